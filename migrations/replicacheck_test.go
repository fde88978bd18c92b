package migrations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kapi-project/kapi/migrations"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

// TestCheckTakesNonStandbysAndUnreachableServersOutOfRotation: the primary
// itself named as a replica is no standby, and a closed port is unreachable;
// both leave reads on the primary.
func TestCheckTakesNonStandbysAndUnreachableServersOutOfRotation(t *testing.T) {
	dbURL := pgtest.ServerURL()
	ctx := context.Background()
	primary, err := migrations.Open(ctx, dbURL, migrations.PoolOptions{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	var changes []migrations.ReplicaState
	rs, err := migrations.OpenReplicas(ctx, dbURL, primary, []string{dbURL, "postgres://kapi@127.0.0.1:1/kapi?connect_timeout=1"},
		migrations.ReplicaOptions{OnChange: func(s migrations.ReplicaState) { changes = append(changes, s) }})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	rs.Check(ctx)
	states := rs.States()
	if !strings.HasPrefix(states[0].Problem, "not a standby") || states[0].Healthy {
		t.Errorf("the primary as a replica: got %+v, want out of rotation, not a standby", states[0])
	}
	if states[1].Problem != "unreachable" || states[1].Healthy || states[1].Name != "127.0.0.1:1/kapi" {
		t.Errorf("a closed port: got %+v, want 127.0.0.1:1/kapi out of rotation, unreachable", states[1])
	}
	if got := rs.Read(ctx); got != primary {
		t.Errorf("no healthy replica: Read gave %p, want the primary", got)
	}
	if len(changes) != 0 {
		t.Errorf("OnChange: got %+v, want no change (never in rotation)", changes)
	}
}
