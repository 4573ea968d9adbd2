package httpguard

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// echo reads the whole body (answering 408 for a slow one) or, on /refuse,
// answers 413 without reading it, as the portal does for an upload over the cap.
func echo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/refuse" {
			http.Error(w, "the file is larger than your upload limit of 150 KB", http.StatusRequestEntityTooLarge)
			return
		}
		b, err := io.ReadAll(r.Body)
		if errors.Is(err, ErrSlowBody) {
			http.Error(w, err.Error(), http.StatusRequestTimeout)
			return
		}
		fmt.Fprintf(w, "read %d bytes", len(b))
	})
}

// serve runs the guarded server on a loopback port until the test ends.
func serve(t testing.TB, cfg Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := Server(echo(), cfg, slog.New(slog.DiscardHandler))
	go srv.Serve(Listen(ln, cfg))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// closedWithin reports how long the server took to end c (read EOF or
// error), and what it sent before.
func closedWithin(c net.Conn, max time.Duration) (time.Duration, string) {
	start := time.Now()
	c.SetReadDeadline(start.Add(max))
	b, _ := io.ReadAll(c)
	return time.Since(start), string(b)
}

func TestSlowBodyDropped(t *testing.T) {
	addr := serve(t, Config{BodyGrace: 300 * time.Millisecond, MinBodyRate: 1000})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /signin HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
	go func() { // one byte every 100 ms: far under 1000 bytes/s
		for range 50 {
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	took, got := closedWithin(c, 5*time.Second)
	if took > 3*time.Second || !strings.Contains(got, "408") {
		t.Fatalf("after %v got %q, want a 408 and the connection closed within ~1 s", took, got)
	}
}

func TestSlowHeadersDropped(t *testing.T) {
	addr := serve(t, Config{ReadHeaderTimeout: 300 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n") // never ends the headers
	if took, _ := closedWithin(c, 5*time.Second); took > 3*time.Second {
		t.Fatalf("connection held %v", took)
	}
}

func TestHeaderCap(t *testing.T) {
	addr := serve(t, Config{MaxHeaderBytes: 4 << 10})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 64<<10))
	if _, got := closedWithin(c, 5*time.Second); !strings.Contains(got, "431") {
		t.Fatalf("got %q, want 431", got)
	}
}

func TestConnsPerClient(t *testing.T) {
	addr := serve(t, Config{MaxConnsPerClient: 3})
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	time.Sleep(50 * time.Millisecond) // let the server accept them
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, got := closedWithin(c, 5*time.Second); !strings.HasPrefix(got, "HTTP/1.1 429") || !strings.Contains(got, "Retry-After") {
		t.Fatalf("4th connection got %q, want 429", got)
	}
	c.Close()
	// One held connection closes: a new one is served again.
	held[0].Close()
	time.Sleep(50 * time.Millisecond)
	resp, err := http.Get("http://" + addr + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after a close: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestDrain413: a client that sends its whole body before reading (like
// Python's http.client) sees the 413 and its message, not a reset.
func TestDrain413(t *testing.T) {
	addr := serve(t, Config{DrainLimit: 8 << 20})
	for _, size := range []int{3 << 20, 8 << 20} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
		if _, err := c.Write(bytes.Repeat([]byte("a"), size)); err != nil {
			t.Fatalf("%d bytes: write: %v (the server did not read the body)", size, err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		msg, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 413 || !strings.Contains(string(msg), "upload limit of 150 KB") {
			t.Errorf("%d bytes: %d %q", size, resp.StatusCode, msg)
		}
		c.Close()
	}
}

// TestSlowClientsWhileServing is the hostile replay with short timeouts:
// 40 slow clients (headers or body trickling) are all dropped while normal
// requests keep being served. It logs the numbers; BenchmarkSlowClients
// measures them with the default settings.
func TestSlowClientsWhileServing(t *testing.T) {
	cfg := Config{ReadHeaderTimeout: 500 * time.Millisecond, BodyGrace: 500 * time.Millisecond, MinBodyRate: 1000}
	r := slowClients(t, cfg, 40, 5*time.Second)
	if r.dropped != 40 {
		t.Fatalf("%d of 40 slow clients dropped within %v", r.dropped, 5*time.Second)
	}
	if r.served == 0 || r.failed > 0 {
		t.Fatalf("normal requests: %d served, %d failed", r.served, r.failed)
	}
	t.Logf("40 slow clients dropped after at most %v; %d normal requests, p50 %v p99 %v", r.lastDrop, r.served, r.p50, r.p99)
}

// BenchmarkSlowClients measures the targets with the default guard: 40 slow
// clients are dropped (within 60 s), normal requests' p99 (under 100 ms).
//
//	go test ./internal/httpguard -run '^$' -bench SlowClients -benchtime 1x
func BenchmarkSlowClients(b *testing.B) {
	for range b.N {
		r := slowClients(b, Config{}, 40, 60*time.Second)
		b.ReportMetric(float64(r.dropped), "dropped/40")
		b.ReportMetric(r.lastDrop.Seconds(), "s-to-drop-all")
		b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(r.p50.Microseconds())/1000, "p50-ms")
	}
}

type slowResult struct {
	dropped, served, failed int
	lastDrop, p50, p99      time.Duration
}

// slowClients starts n slow clients (half trickle their headers, half their
// body, one byte a second) and, until they are all gone or max passes, one
// normal client after another; it returns how they fared.
func slowClients(t testing.TB, cfg Config, n int, max time.Duration) slowResult {
	addr := serve(t, cfg)
	start := time.Now()
	var mu sync.Mutex
	var res slowResult
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			defer c.Close()
			if i%2 == 0 {
				c.Write([]byte("GET / HTTP/1.1\r\n"))
			} else {
				c.Write([]byte("POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"))
			}
			c.SetReadDeadline(start.Add(max))
			done := make(chan struct{})
			go func() { io.Copy(io.Discard, c); close(done) }()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-done:
					mu.Lock()
					if time.Since(start) < max {
						res.dropped++
						res.lastDrop = max2(res.lastDrop, time.Since(start))
					}
					mu.Unlock()
					return
				case <-tick.C:
					c.Write([]byte("a"))
				}
			}
		})
	}
	stop := make(chan struct{})
	var lat []time.Duration
	var nwg sync.WaitGroup
	nwg.Go(func() {
		cl := &http.Client{Timeout: 5 * time.Second}
		for {
			select {
			case <-stop:
				return
			default:
			}
			s := time.Now()
			resp, err := cl.Post("http://"+addr+"/ok", "text/plain", strings.NewReader("hello"))
			if err != nil {
				res.failed++
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(s))
			time.Sleep(5 * time.Millisecond)
		}
	})
	wg.Wait()
	close(stop)
	nwg.Wait()
	slices.Sort(lat)
	res.served = len(lat)
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return res
}

func max2(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}
