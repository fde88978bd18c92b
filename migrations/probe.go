package migrations

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// probeCloseTimeout bounds saying goodbye to a server that stopped answering.
const probeCloseTimeout = 100 * time.Millisecond

// Probe asks whether the database server answers, over one connection of its
// own: unlike a pool's Ping, it never waits behind busy connections, so a
// loaded pool does not read as a database down. It reconnects after a
// failure. Safe for concurrent use.
type Probe struct {
	cfg  *pgx.ConnConfig
	mu   sync.Mutex
	conn *pgx.Conn
}

// NewProbe returns a probe of databaseURL; it connects on the first Ping.
func NewProbe(databaseURL string) (*Probe, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, errors.New("parse database URL: invalid connection string") // the error may quote the password
	}
	return &Probe{cfg: cfg}, nil
}

// Ping connects when needed and sends an empty statement; it fails when ctx
// ends first. A failed connection is dropped, to be opened again next time.
func (p *Probe) Ping(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.connectLocked(ctx); err != nil {
		return err
	}
	if err := p.conn.Ping(ctx); err != nil {
		p.closeLocked()
		return err
	}
	return nil
}

// Scan connects when needed, runs the one-row query sql with args and
// scans its columns into dst; it fails when ctx ends first. A failed
// connection is dropped, to be opened again next time.
func (p *Probe) Scan(ctx context.Context, sql string, args []any, dst ...any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.connectLocked(ctx); err != nil {
		return err
	}
	if err := p.conn.QueryRow(ctx, sql, args...).Scan(dst...); err != nil {
		if p.conn.IsClosed() || ctx.Err() != nil {
			p.closeLocked()
		}
		return err
	}
	return nil
}

// connectLocked opens the connection unless it is open.
func (p *Probe) connectLocked(ctx context.Context) error {
	if p.conn != nil && !p.conn.IsClosed() {
		return nil
	}
	conn, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		return err
	}
	p.conn = conn
	return nil
}

// Close closes the probe's connection.
func (p *Probe) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked()
}

func (p *Probe) closeLocked() {
	if p.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeCloseTimeout)
	defer cancel()
	_ = p.conn.Close(ctx) // the connection is being dropped; its error says nothing new
	p.conn = nil
}
