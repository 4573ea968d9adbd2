package httpguard

import (
	"net"
	"sync"
	"time"
)

// Listen wraps ln so that one client address holds at most
// cfg.MaxConnsPerClient connections at once: a connection over the cap is
// answered "429 Too Many Requests" and closed without reaching the server.
// Behind a reverse proxy every connection comes from the proxy: raise the
// cap there, or let the proxy enforce it.
func Listen(ln net.Listener, cfg Config) net.Listener {
	cfg = cfg.withDefaults()
	return &listener{Listener: ln, max: cfg.MaxConnsPerClient, open: map[string]int{}}
}

type listener struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int // per client address
}

const tooMany = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nRetry-After: 10\r\nContent-Length: 62\r\n\r\ntoo many open connections from your address; try again later\r\n"

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := clientHost(c.RemoteAddr())
		l.mu.Lock()
		over := l.open[host] >= l.max
		if !over {
			l.open[host]++
		}
		l.mu.Unlock()
		if over {
			go refuse(c)
			continue
		}
		return &conn{Conn: c, l: l, host: host}, nil
	}
}

// refuse answers 429 without reading the request; a client that does not
// read it within a second just sees the connection close.
func refuse(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write([]byte(tooMany))
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
		c.SetReadDeadline(time.Now().Add(time.Second))
		var buf [4096]byte
		for { // let the client's request bytes arrive, so closing does not reset the answer away
			if _, err := c.Read(buf[:]); err != nil {
				break
			}
		}
	}
	c.Close()
}

func (l *listener) release(host string) {
	l.mu.Lock()
	if l.open[host]--; l.open[host] <= 0 {
		delete(l.open, host)
	}
	l.mu.Unlock()
}

// openConns is the number of open connections from host (for tests).
func (l *listener) openConns(host string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[host]
}

func clientHost(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

type conn struct {
	net.Conn
	l    *listener
	host string
	once sync.Once
}

func (c *conn) Close() error {
	c.once.Do(func() { c.l.release(c.host) })
	return c.Conn.Close()
}
