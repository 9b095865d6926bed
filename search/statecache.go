package search

import "sync"

// stateCache keeps values computed against one state of the index (a
// manifest, a reader snapshot: compared by identity). A value of an older
// state is never returned; putting one for a new state, or into a full
// cache, starts it over, so it never holds more than limit entries.
type stateCache[S comparable, V any] struct {
	mu    sync.Mutex
	state S
	m     map[string]V
}

// get returns the value kept for key under state.
func (c *stateCache[S, V]) get(state S, key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != state {
		var zero V
		return zero, false
	}
	v, ok := c.m[key]
	return v, ok
}

// put keeps v for key under state, forgetting the entries of an older
// state, or all of them when limit entries are kept.
func (c *stateCache[S, V]) put(state S, key string, v V, limit int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != state || len(c.m) >= limit {
		c.state, c.m = state, make(map[string]V)
	}
	c.m[key] = v
}
