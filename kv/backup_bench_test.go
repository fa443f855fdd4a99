package kv

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"examreg/domain"
)

// BenchmarkBackupPopulated measures a full backup of a store with
// EXAMREG_BENCH_CANDIDATES candidates (default 1,000), each with an
// account, an application, a 25 KB photo and a 300 KB 推荐表 (random
// bytes: as incompressible as real scans), and reports the data
// directory's size, the backup's size and the time per backup:
//
//	go test -run '^$' -bench BackupPopulated -benchtime 3x ./kv/
func BenchmarkBackupPopulated(b *testing.B) {
	n := 1000
	if v := os.Getenv("EXAMREG_BENCH_CANDIDATES"); v != "" {
		fmt.Sscan(v, &n)
	}
	dir := b.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	photo, pdf := make([]byte, 25<<10), make([]byte, 300<<10)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		rand.Read(photo)
		rand.Read(pdf)
		acct := &domain.Account{ID: NewID(now), Role: domain.RoleCandidate, LoginName: fmt.Sprintf("4201021990%08d", i), Name: "考生",
			Phone: "13800138000", PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA", CreatedAt: now}
		if err := s.CreateAccount(acct); err != nil {
			b.Fatal(err)
		}
		app := &domain.Application{ID: NewID(now), ExamID: "e1", CandidateID: acct.ID, LevelCode: "sz", State: domain.StateSubmitted,
			Version: 6, PositionCode: fmt.Sprintf("P%04d", i%500), PhotoID: "p" + acct.ID, RecommendationID: "r" + acct.ID}
		if err := s.CreateApplication(app); err != nil {
			b.Fatal(err)
		}
		if err := s.Update(func(tx *Tx) error {
			if err := tx.PutBlob(BlobMeta{ID: "p" + acct.ID, Name: "photo.jpg", ContentType: "image/jpeg", OwnerID: acct.ID, CreatedAt: now}, photo); err != nil {
				return err
			}
			return tx.PutBlob(BlobMeta{ID: "r" + acct.ID, Name: "推荐表.pdf", ContentType: "application/pdf", OwnerID: acct.ID, CreatedAt: now}, pdf)
		}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.db.Sync(); err != nil {
		b.Fatal(err)
	}
	var dirBytes int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			dirBytes += fi.Size()
		}
		return nil
	})
	var size int64
	b.ResetTimer()
	for b.Loop() {
		st, err := s.Backup(io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		size = st.Bytes
	}
	b.ReportMetric(float64(dirBytes)/(1<<20), "data-MB")
	b.ReportMetric(float64(size)/(1<<20), "backup-MB")
}
