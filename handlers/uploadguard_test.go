package handlers

import (
	"strings"
	"testing"
	"time"

	"examreg/domain"
	"examreg/kv"
)

// confirmedCandidate walks a fresh candidate to 报名信息确认 (the state
// that takes a 推荐表) and returns its ID number.
func confirmedCandidate(t *testing.T, c *client) string {
	t.Helper()
	id := newCandidate(t, c)
	toInfoForm(t, c)
	wantRedirect(t, formStep(t, c, validForm()), base, "保存 form")
	wantRedirect(t, positionStep(t, c, "1001", true), base, "保存 position")
	first, _ := confirmStep(t, c)
	wantRedirect(t, first, base, "报名信息确认")
	return id
}

// blobCount counts the stored files.
func blobCount(t *testing.T, ts *testServer) int {
	t.Helper()
	n := 0
	err := ts.store.View(func(tx *kv.Tx) error {
		return tx.Scan("v1/blob/", kv.ScanOptions{KeysOnly: true}, func(k string, _ []byte) error {
			if strings.HasSuffix(k, "/meta") {
				n++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUploadCheckedBeforeBody: an application that cannot take a 推荐表
// (not yet confirmed) is refused on its state, not on the file: the
// upload, here not even a PDF, is never parsed (the old order answered
// "文件不是有效的 PDF"). The refusal is the upload action's own rule.
func TestUploadCheckedBeforeBody(t *testing.T) {
	ts, c, id := newApplyServer(t)
	toInfoForm(t, c)
	r := c.Get(base + "/form")
	r = c.PostFile(base+"/materials", hiddenOf(t, r, base+"/form"), "recommendation", "x.pdf", []byte("not a pdf at all"))
	wantStatus(t, r, 409, "upload before 报名信息确认")
	want := domain.ErrorMessage(domain.CheckRecommendationUpload(appOf(t, ts, id), fxExam(), appOf(t, ts, id).CandidateID, ts.clock.Now()))
	if !strings.Contains(r.Body, want) || strings.Contains(r.Body, domain.MsgPDFNotPDF) {
		t.Errorf("want the state refusal %q, got:\n%s", want, r)
	}
	// An exam the candidate has not applied to: 404, nothing read.
	r = c.PostFile("/apply/no-such-exam/materials", hiddenOf(t, c.Get(base+"/form"), base+"/form"), "recommendation", "x.pdf", samplePDF(t, 2, false))
	wantStatus(t, r, 404, "upload to another exam")
}

// TestUploadQuota: the 4th 推荐表 within an hour (quota 3) gets the 429
// page saying when to retry, writes nothing and leaves photos alone; the
// count lives in the store (a new login does not reset it) and frees up
// as the hour passes.
func TestUploadQuota(t *testing.T) {
	ts := newTestServer(t, withConfig(func(c *Config) { c.UploadQuota = domain.UploadQuota{Max: 3, Per: time.Hour} }))
	installExam(t, ts.store)
	c := ts.client()
	id := confirmedCandidate(t, c)
	for i := range 3 {
		wantRedirect(t, uploadStep(t, c, "a.pdf", samplePDF(t, 2, false)), base+"/materials", "upload "+itoa(i+1))
		ts.clock.Advance(time.Minute)
	}
	before := appOf(t, ts, id)
	blobs := blobCount(t, ts)
	r := uploadStep(t, c, "b.pdf", samplePDF(t, 3, false))
	wantStatus(t, r, 429, "4th upload in an hour")
	retry := testStart.Add(time.Hour) // the first upload leaves the window
	if !strings.Contains(r.Body, "上传过于频繁") || !strings.Contains(r.Body, domain.FormatTime(retry)) {
		t.Errorf("429 page does not say when to retry (%s):\n%s", domain.FormatTime(retry), r)
	}
	if got := r.Header.Get("Retry-After"); got == "" {
		t.Error("no Retry-After header")
	}
	if after := appOf(t, ts, id); after.RecommendationID != before.RecommendationID || after.Version != before.Version || blobCount(t, ts) != blobs {
		t.Error("a refused upload changed the application or stored a file")
	}
	// Another kind has its own quota.
	if _, err := ts.store.TakeUpload(before.CandidateID, domain.UploadKindPhoto, ts.cfg.UploadQuota, ts.clock.Now()); err != nil {
		t.Errorf("the 推荐表 quota blocked a photo upload: %v", err)
	}
	// The count lives in the store, not in this server's memory.
	if _, err := ts.store.TakeUpload(before.CandidateID, domain.UploadKindRecommendation, ts.cfg.UploadQuota, ts.clock.Now()); domain.ErrorCode(err) != domain.ERATELIMIT {
		t.Errorf("stored quota: %v, want ERATELIMIT", err)
	}
	// Once the first upload is an hour old, one more is allowed.
	for ts.clock.Now().Before(retry) { // stay signed in (30 minutes idle)
		ts.clock.Advance(20 * time.Minute)
		c.Get("/")
	}
	wantRedirect(t, uploadStep(t, c, "b.pdf", samplePDF(t, 2, false)), base+"/materials", "upload after the hour")
}

// TestReplacedUploadLeavesOneFile: replacing the 推荐表 deletes the old
// file in the same transaction: after five uploads one 推荐表 is stored.
func TestReplacedUploadLeavesOneFile(t *testing.T) {
	ts := newTestServer(t)
	installExam(t, ts.store)
	c := ts.client()
	confirmedCandidate(t, c)
	base0 := blobCount(t, ts) // the saved photo
	for i := range 5 {
		wantRedirect(t, uploadStep(t, c, "a.pdf", samplePDF(t, 2+i%2, false)), base+"/materials", "upload "+itoa(i+1))
	}
	if n := blobCount(t, ts) - base0; n != 1 {
		t.Errorf("%d 推荐表 files stored after 5 replacements, want 1", n)
	}
}

// TestLowDiskRefusesUploads: below the free-space threshold uploads get
// the 503 page and nothing is written; /healthz reports it.
func TestLowDiskRefusesUploads(t *testing.T) {
	free := uint64(5 << 30)
	ts := newTestServer(t, withConfig(func(c *Config) {
		c.FreeDisk = func() (uint64, error) { return free, nil }
		c.MinFreeDisk = 1 << 30
	}))
	installExam(t, ts.store)
	c := ts.client()
	id := confirmedCandidate(t, c)
	if r := c.Get("/healthz"); !strings.Contains(r.Body, "free_disk_bytes 5368709120") || !strings.Contains(r.Body, "low_disk false") {
		t.Errorf("healthz with room: %q", r.Body)
	}

	free = 100 << 20
	before, blobs := appOf(t, ts, id), blobCount(t, ts)
	r := uploadStep(t, c, "a.pdf", samplePDF(t, 2, false))
	wantStatus(t, r, 503, "推荐表 on a full disk")
	if !strings.Contains(r.Body, domain.MsgDiskLow) {
		t.Errorf("503 page without the message:\n%s", r)
	}
	fresh := ts.client() // no application yet: photos may change
	freshID := newCandidate(t, fresh)
	fresh.Get("/photo")
	r = fresh.PostFile("/photo", hiddenOf(t, fresh.Last(), "/photo"), "photo", "me.jpg", samplePhoto(t, 600, 840))
	wantStatus(t, r, 503, "photo on a full disk")
	acct, err := ts.store.AccountByLogin(freshID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.PendingPhoto(acct.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("a pending photo was written on a full disk: %v", err)
	}
	if after := appOf(t, ts, id); after.Version != before.Version || blobCount(t, ts) != blobs {
		t.Error("an upload on a full disk wrote something")
	}
	r = c.Get("/healthz")
	wantStatus(t, r, 200, "healthz on a full disk")
	if !strings.Contains(r.Body, "free_disk_bytes 104857600") || !strings.Contains(r.Body, "low_disk true") {
		t.Errorf("healthz does not report the low disk: %q", r.Body)
	}

	free = 2 << 30
	wantRedirect(t, uploadStep(t, c, "a.pdf", samplePDF(t, 2, false)), base+"/materials", "upload once there is room")
}
