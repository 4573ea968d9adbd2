package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/gasproject/gas/internal/domain"
)

// maxRecordBytes bounds what Read loads: 25,000 events of Step Functions'
// 256 KiB payload limit cannot all be full, and a record beyond this is
// refused rather than read into memory.
const maxRecordBytes = 512 << 20

// Read returns the archived record of the execution named name, with the
// execution marked as the archived copy (key and sha256 of the stored
// bytes). domain.ErrNotFound when none was archived.
func Read(ctx context.Context, a Archive, name string) (Record, error) {
	key := Key(name)
	rc, err := a.Get(ctx, key)
	if err != nil {
		return Record{}, fmt.Errorf("archived history %s: %w", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxRecordBytes+1))
	if err != nil {
		return Record{}, fmt.Errorf("archived history %s: %w", key, err)
	}
	if len(data) > maxRecordBytes {
		return Record{}, fmt.Errorf("archived history %s is over %d bytes", key, maxRecordBytes)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return Record{}, fmt.Errorf("archived history %s is damaged: %v", key, err)
	}
	if rec.Format != FormatVersion {
		return Record{}, fmt.Errorf("archived history %s has format %d, want %d", key, rec.Format, FormatVersion)
	}
	sum := sha256.Sum256(data)
	rec.Execution.Archived = &domain.ArchivedCopy{Key: key, SHA256: hex.EncodeToString(sum[:]), ExportedAt: rec.ExportedAt}
	return rec, nil
}
