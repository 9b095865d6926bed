package search

import "syscall"

// threadPriorities says whether searches can run on threads of lower priority here.
const threadPriorities = true

// lowerThreadPriority sets the nice value nice of the calling thread (on Linux
// setpriority with a thread id affects that thread only). Raising it needs
// no privilege.
func lowerThreadPriority(nice int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), nice)
}
