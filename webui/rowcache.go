package webui

import (
	"html/template"
	"sync"
)

// rowCache remembers rendered job list rows by their content. Executing the
// row through html/template (its escapers are reflective calls) was most of
// the CPU of GET /jobs, while the list shows the same rows again and again
// (it is polled, and jobs rarely change). A jobRow holds everything its
// markup depends on, so equal rows render equally and a changed job makes a
// new key: nothing stale can be served. At most maxCachedRows entries; it
// starts over when full.
type rowCache struct {
	mu sync.Mutex
	m  map[jobRow]template.HTML
}

const maxCachedRows = 4096

func newRowCache() *rowCache { return &rowCache{m: map[jobRow]template.HTML{}} }

// html returns row rendered by the "jobrow" template of page, escaped by
// html/template as any page is.
func (c *rowCache) html(page *template.Template, row jobRow) (template.HTML, error) {
	c.mu.Lock()
	h, ok := c.m[row]
	c.mu.Unlock()
	if ok {
		return h, nil
	}
	buf := getBuf()
	defer putBuf(buf)
	if err := page.ExecuteTemplate(buf, "jobrow", row); err != nil {
		return "", err
	}
	h = template.HTML(buf.String()) // html/template's own output
	c.mu.Lock()
	if len(c.m) >= maxCachedRows {
		clear(c.m)
	}
	c.m[row] = h
	c.mu.Unlock()
	return h, nil
}
