//go:build !linux

package search

// threadPriorities says whether searches can run on threads of lower priority here.
const threadPriorities = false

func lowerThreadPriority(int) error { return nil }
