package kapitest

import (
	"net"
	"sync"
	"testing"
)

// Proxy is a TCP proxy between code under test and a real server (Postgres,
// Redis), to inject the faults an operator sees: Down refuses connections and
// breaks the open ones; Freeze keeps every connection open but forwards
// nothing, as a stopped (SIGSTOP) server or a black-holed network would;
// Up restores service.
type Proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	state  proxyState
	conns  map[net.Conn]bool
	thawed chan struct{} // closed when a freeze ends
}

type proxyState int

const (
	proxyUp proxyState = iota
	proxyDown
	proxyFrozen
)

// NewProxy listens on a free local port and forwards to target (host:port)
// until the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}, thawed: make(chan struct{})}
	close(p.thawed)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.Down()
	})
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Up forwards again.
func (p *Proxy) Up() { p.set(proxyUp) }

// Down closes every open connection and every new one at once.
func (p *Proxy) Down() { p.set(proxyDown) }

// Freeze holds every connection, old and new, open without forwarding a byte.
func (p *Proxy) Freeze() { p.set(proxyFrozen) }

func (p *Proxy) set(s proxyState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == proxyFrozen && s != proxyFrozen {
		close(p.thawed)
	}
	if s == proxyFrozen && p.state != proxyFrozen {
		p.thawed = make(chan struct{})
	}
	p.state = s
	if s == proxyDown {
		for c := range p.conns {
			_ = c.Close()
		}
		clear(p.conns)
	}
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

// serve connects c to the target, unless the proxy is down.
func (p *Proxy) serve(c net.Conn) {
	p.waitThaw()
	upstream, err := net.Dial("tcp", p.target)
	if err != nil || !p.track(c, upstream) {
		_ = c.Close()
		if upstream != nil {
			_ = upstream.Close()
		}
		return
	}
	go p.pipe(upstream, c)
	p.pipe(c, upstream)
}

// track registers both ends; false when the proxy is down.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == proxyDown {
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

// pipe copies src to dst, holding each chunk while the proxy is frozen.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.waitThaw()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// waitThaw returns at once unless the proxy is frozen.
func (p *Proxy) waitThaw() {
	p.mu.Lock()
	thawed := p.thawed
	p.mu.Unlock()
	<-thawed
}
