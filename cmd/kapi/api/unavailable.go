package api

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"github.com/kapi-project/kapi/embed"
)

// The dependencies a SERVICE_UNAVAILABLE names (details.dependency), and how
// long a client should wait before it retries (Retry-After, seconds).
const (
	depDatabase = "database"
	depEmbedder = "embedding provider"

	retryDatabase = 2
	retryEmbedder = 5
	retryTime     = 1
)

// errOutOfTime: a step of the request found its context done.
var errOutOfTime = errors.New("request out of time")

// dependencyFailure labels err by the dependency that failed, when it is one,
// so that the rows of Describe find it: a failure of the database itself
// (refused, reset, shut down, out of connections, statement timeout) wraps
// ErrUnavailable, a done context errOutOfTime. Embedder failures already wrap
// embed.ErrUnavailable and keep it.
func dependencyFailure(err error) error {
	switch {
	case errors.Is(err, embed.ErrUnavailable), errors.Is(err, ErrUnavailable):
		return err
	case isContextErr(err): // before databaseDown: a done context is also a net.Error
		return joinCause(errOutOfTime, err)
	case databaseDown(err):
		return joinCause(ErrUnavailable, err)
	}
	return err
}

// joinCause wraps err under sentinel, keeping both for errors.Is.
func joinCause(sentinel, err error) error { return &labelled{sentinel: sentinel, err: err} }

type labelled struct{ sentinel, err error }

func (l *labelled) Error() string   { return l.sentinel.Error() + ": " + l.err.Error() }
func (l *labelled) Unwrap() []error { return []error{l.sentinel, l.err} }

// unavailableStates are the SQLSTATEs (besides class 08, connection
// exception, and class 53, insufficient resources) that say the server cannot
// serve now rather than that the request is wrong: admin and crash shutdown,
// starting up, and a statement cancelled by statement_timeout.
var unavailableStates = map[string]bool{"57P01": true, "57P02": true, "57P03": true, "57014": true}

// databaseDown reports whether err says the database could not serve: a
// server state of unavailableStates, a failed connection, a broken or timed
// out socket, a closed connection or pool.
func databaseDown(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		c := pgErr.Code
		return unavailableStates[c] || strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53")
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, puddle.ErrClosedPool) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// dependency describes the failure of one dependency: 503 naming it, with
// the delay to retry after.
func dependency(name, message string, retryAfter int64) func(error, Code, describing) *Error {
	return func(err error, code Code, _ describing) *Error {
		return &Error{Code: code, Message: message, RetryAfter: retryAfter,
			Details: map[string]any{"dependency": name}, cause: err}
	}
}
