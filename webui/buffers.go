package webui

import (
	"bytes"
	"sync"
)

// Responses (JSON and rendered pages) are built in a buffer first, so a
// failure can still become a clean error and the body goes out in one write
// with a Content-Length. The buffers are pooled: a job-list page is ~10 KB
// and the busiest routes would otherwise grow a fresh one per request.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf keeps a rare huge response (a long history) from pinning its
// memory in the pool.
const maxPooledBuf = 1 << 20

func getBuf() *bytes.Buffer { return bufPool.Get().(*bytes.Buffer) }

func putBuf(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuf {
		return
	}
	b.Reset()
	bufPool.Put(b)
}
