package fsblob

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Temp files are written under tmp/s-<random>/, one directory per open
// Store, whose lock file tmp/s-<random>.lock the Store holds locked for the
// life of its process. A process that dies (kill -9, power loss) releases
// its lock, so the next Open anywhere finds the directory unlocked and
// removes it at once, however young its files; a live Store's directory is
// never touched. Where locks are not available (lockFile reports so), and
// for loose files of older versions, only temp files older than staleTemp go.

// staleTemp is when an unlockable temp file is considered abandoned (writes touch it far more often).
const staleTemp = time.Hour

// newTempDir makes and locks this Store's temp directory under tmp. The
// returned lock file must stay open (and reachable: a collected *os.File
// closes itself) as long as the Store is used.
func newTempDir(tmp string) (string, *os.File, error) {
	var b [8]byte
	rand.Read(b[:])
	name := filepath.Join(tmp, "s-"+hex.EncodeToString(b[:]))
	// The lock first, then the directory: a directory without its lock file
	// is always a leftover.
	lock, err := lockFile(name + ".lock")
	if err != nil && err != errNoLocks {
		return "", nil, err
	}
	if err := os.Mkdir(name, 0o755); err != nil {
		return "", nil, err
	}
	return name, lock, nil
}

// cleanTemp removes what crashed writers left under tmp.
func cleanTemp(tmp string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		path := filepath.Join(tmp, e.Name())
		switch {
		case e.IsDir() && strings.HasPrefix(e.Name(), "s-"):
			if abandoned(path) {
				os.RemoveAll(path)
				os.Remove(path + ".lock")
			}
		case strings.HasSuffix(e.Name(), ".lock"):
			if _, err := os.Stat(strings.TrimSuffix(path, ".lock")); os.IsNotExist(err) && abandoned(strings.TrimSuffix(path, ".lock")) {
				os.Remove(path) // a lock whose directory is gone: its Store crashed before making it, or it was removed above
			}
		default: // a loose file of an older version
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
				os.Remove(path)
			}
		}
	}
}

// abandoned reports whether the Store that owned dir is gone: its lock can
// be taken (and is, briefly), or it has none. Without locks, age decides.
func abandoned(dir string) bool {
	f, err := lockFile(dir + ".lock")
	switch {
	case err == errNoLocks:
		info, serr := os.Stat(dir)
		return serr == nil && time.Since(info.ModTime()) > staleTemp
	case err != nil:
		return false // held by a live Store
	}
	f.Close() // releases the lock
	return true
}
