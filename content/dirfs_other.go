//go:build !unix

package content

// nonBlock is 0 where named pipes in the content folder cannot block an open.
const nonBlock = 0
