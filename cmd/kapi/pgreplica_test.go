package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

// pgBin holds the PostgreSQL 15 server programs .ci/provision installs.
const pgBin = "/usr/lib/postgresql/15/bin"

// replicaStepTimeout bounds each step of running a replica: the base backup,
// a start, a stop.
const replicaStepTimeout = 3 * time.Minute

// pgReplica is a streaming replica of the test cluster, of the test's own:
// pg_basebackup -R into a temporary directory, served by pg_ctl as the
// postgres OS user on a free port, removed when the test ends (failed or not).
type pgReplica struct {
	t    *testing.T
	dir  string // owned by postgres: data/, the log and the socket
	port int
	slot string // the primary keeps the WAL the replica still needs here
	psql func(sql string) (string, error)
}

// slotPrefix names the replication slots of these replicas; one left behind
// by a killed test run is dropped by the next.
const slotPrefix = "kapi_test_replica_"

// startReplica takes a base backup of the primary at pgtest.ServerURL and
// starts it as a hot standby streaming from it.
func startReplica(t *testing.T) *pgReplica {
	t.Helper()
	pg, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("the replica runs as the postgres OS user (.ci/provision): %v", err)
	}
	dir, err := os.MkdirTemp("", "kapi-replica-")
	if err != nil {
		t.Fatal(err)
	}
	r := &pgReplica{t: t, dir: dir, port: freePort(t)}
	t.Cleanup(r.remove)
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatalf("hand the replica's directory to postgres (the test runs as root in CI): %v", err)
	}
	settings := primarySettings(t)
	r.psql = func(sql string) (string, error) { return primaryPSQL(settings["port"], sql) }
	if _, err := r.psql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '" +
		slotPrefix + "%' AND NOT active"); err != nil {
		t.Fatalf("drop replication slots left behind: %v", err)
	}
	r.slot = fmt.Sprintf("%s%d", slotPrefix, r.port)
	r.postgres(pgBin+"/pg_basebackup", "-h", settings["unix_socket_directories"], "-p", settings["port"],
		"-U", "postgres", "-D", r.data(), "-R", "-X", "stream", "-C", "-S", r.slot, "-c", "fast", "--no-sync")
	r.writeConfig(settings, uid, gid)
	r.start()
	return r
}

func (r *pgReplica) data() string { return filepath.Join(r.dir, "data") }

// url is dbURL (a database of the primary) on the replica.
func (r *pgReplica) url(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		r.t.Fatal(err)
	}
	u.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port))
	return u.String()
}

// superuserURL is dbURL on the replica as the postgres role (trust), for
// pg_wal_replay_pause.
func (r *pgReplica) superuserURL(dbURL string) string {
	u, err := url.Parse(r.url(dbURL))
	if err != nil {
		r.t.Fatal(err)
	}
	u.User = url.User("postgres")
	return u.String()
}

func (r *pgReplica) start() {
	r.t.Helper()
	r.postgres(pgBin+"/pg_ctl", "-D", r.data(), "-l", filepath.Join(r.dir, "log"), "-w", "-t", "60", "start")
}

// stop stops the replica as an operator would (fast: sessions are ended).
func (r *pgReplica) stop() {
	r.t.Helper()
	r.postgres(pgBin+"/pg_ctl", "-D", r.data(), "-m", "fast", "-w", "-t", "60", "stop")
}

// remove stops the replica, if it runs, and deletes its directory.
func (r *pgReplica) remove() {
	if _, err := os.Stat(filepath.Join(r.data(), "postmaster.pid")); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := asPostgres(ctx, pgBin+"/pg_ctl", "-D", r.data(), "-m", "immediate", "-w", "stop").CombinedOutput()
		if err != nil {
			r.t.Errorf("stop the replica: %v\n%s", err, out)
		}
	}
	if err := os.RemoveAll(r.dir); err != nil {
		r.t.Errorf("remove the replica: %v", err)
	}
	if r.slot == "" {
		return
	}
	if out, err := r.psql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + r.slot + "'"); err != nil {
		r.t.Errorf("drop the replica's replication slot: %v\n%s", err, out)
	}
}

// postgres runs a PostgreSQL program as the postgres OS user, within
// replicaStepTimeout; a failure fails the test with its output and the
// replica's log.
func (r *pgReplica) postgres(args ...string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), replicaStepTimeout)
	defer cancel()
	if out, err := asPostgres(ctx, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(r.dir, "log"))
		r.t.Fatalf("%s: %v\n%s\nreplica log:\n%s", filepath.Base(args[0]), err, out, log)
	}
}

// asPostgres is the command args as the postgres OS user: through runuser
// when the test runs as root, directly when it runs as postgres.
func asPostgres(ctx context.Context, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--"}, args...)...)
	}
	return exec.CommandContext(ctx, args[0], args[1:]...)
}

// replicaLimits are the settings a hot standby must have at least as high as
// its primary, or it refuses to start.
var replicaLimits = []string{"max_connections", "max_worker_processes", "max_wal_senders",
	"max_prepared_transactions", "max_locks_per_transaction"}

// primarySettings reads what the replica copies from the primary (the
// local server of pgtest.ServerURL, asked as the postgres OS user over the
// default socket, which .ci/provision lets replicate): its socket directory,
// its port and replicaLimits.
func primarySettings(t *testing.T) map[string]string {
	t.Helper()
	cfg, err := pgx.ParseConfig(pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	names := append([]string{"unix_socket_directories", "port"}, replicaLimits...)
	out, err := primaryPSQL(strconv.Itoa(int(cfg.Port)),
		"SELECT name, setting FROM pg_settings WHERE name = ANY('{"+strings.Join(names, ",")+"}') ORDER BY name")
	if err != nil {
		t.Fatalf("read the primary's settings as postgres: %v\n%s", err, out)
	}
	settings := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, value, _ := strings.Cut(line, "|")
		settings[name] = strings.TrimSpace(strings.Split(value, ",")[0])
	}
	for _, name := range names {
		if settings[name] == "" {
			t.Fatalf("the primary's %s is missing from:\n%s", name, out)
		}
	}
	return settings
}

// primaryPSQL runs sql on the local primary at port as the postgres OS user
// over the default socket, and returns its unaligned output.
func primaryPSQL(port, sql string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := asPostgres(ctx, pgBin+"/psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-p", port, "-d", "postgres", "-c", sql).CombinedOutput()
	return string(out), err
}

// writeConfig writes the replica's postgresql.conf and pg_hba.conf (Debian
// keeps the primary's in /etc, outside the data directory): loopback and its
// own socket only, trust, and the primary's limits.
func (r *pgReplica) writeConfig(primary map[string]string, uid, gid int) {
	r.t.Helper()
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"hot_standby = on\nfsync = off\nshared_buffers = '64MB'\nlogging_collector = off\n", r.port, r.dir)
	for _, name := range replicaLimits {
		conf += fmt.Sprintf("%s = %s\n", name, primary[name])
	}
	files := map[string]string{"postgresql.conf": conf,
		"pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n"}
	for name, text := range files {
		path := filepath.Join(r.data(), name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			r.t.Fatal(err)
		}
		if err := os.Chown(path, uid, gid); err != nil {
			r.t.Fatal(err)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
