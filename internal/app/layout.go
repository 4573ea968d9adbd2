package app

import (
	"os"
	"path/filepath"
)

// Layout of a data directory (`gas serve --data DIR`, default ./.gas):
//
//	DIR/gas.db     SQLite: jobs, profiles, accounts, workflow executions and their history
//	DIR/blobs/     object store: inputs/, results/, archive/ (storage classes in sidecar metadata)
//	DIR/outbox/    one .eml file per email sent
//	DIR/audit/     write-once exported execution histories (internal/audit), executions/<name>.json
//	DIR/refdata/   the reference bundle built on first start (unless --ref is given)

// DefaultDataDir is the data directory when neither --data nor $GAS_DATA says otherwise.
const DefaultDataDir = ".gas"

// DataDirFromEnv returns $GAS_DATA, or DefaultDataDir.
func DataDirFromEnv() string {
	if d := os.Getenv("GAS_DATA"); d != "" {
		return d
	}
	return DefaultDataDir
}

// DBPath is the SQLite database of a data directory.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "gas.db") }

// BlobDir is the object store root of a data directory.
func BlobDir(dataDir string) string { return filepath.Join(dataDir, "blobs") }

// OutboxDir is where the outbox mailer writes .eml files.
func OutboxDir(dataDir string) string { return filepath.Join(dataDir, "outbox") }

// RefDir is where the reference bundle is built when none is given.
func RefDir(dataDir string) string { return filepath.Join(dataDir, "refdata") }

// AuditDir is the write-once archive of execution histories (internal/audit).
func AuditDir(dataDir string) string { return filepath.Join(dataDir, "audit") }
