package domain

import (
	"fmt"
	"time"
)

// UploadKind names a kind of file a candidate uploads; each kind has its
// own per-account limit.
type UploadKind string

// Upload kinds.
const (
	UploadKindPhoto          UploadKind = "photo"          // 上传照片
	UploadKindRecommendation UploadKind = "recommendation" // 报名推荐表扫描件
)

// Label is the kind's name in messages.
func (k UploadKind) Label() string {
	switch k {
	case UploadKindPhoto:
		return "照片"
	case UploadKindRecommendation:
		return "报名推荐表"
	}
	return "文件"
}

// UploadQuota limits one account's uploads of one kind: at most Max
// within any span of Per (a sliding window, so there is no burst at a
// window's edge).
type UploadQuota struct {
	Max int
	Per time.Duration
}

// DefaultUploadQuota: 20 uploads of a kind per hour. A candidate replaces
// a photo or a scan a few times; one re-uploading a 5 MB scan hundreds of
// times fills the disk.
var DefaultUploadQuota = UploadQuota{Max: 20, Per: time.Hour}

// TakeUpload decides whether the account may start one more upload of
// kind at now, given the times of its recent uploads of that kind (as
// TakeUpload last returned them). It returns the times to keep (the new
// one included) or an ERATELIMIT error that says when to retry, and that
// time.
func TakeUpload(recent []time.Time, kind UploadKind, q UploadQuota, now time.Time) (keep []time.Time, retryAt time.Time, err error) {
	if q.Max <= 0 || q.Per <= 0 {
		q = DefaultUploadQuota
	}
	since := now.Add(-q.Per)
	for _, t := range recent {
		if t.After(since) && !t.After(now) {
			keep = append(keep, t)
		}
	}
	if len(keep) >= q.Max {
		// The oldest upload still counted leaves the window first.
		oldest := keep[len(keep)-q.Max]
		retryAt = oldest.Add(q.Per)
		return recent, retryAt, &Error{Code: ERATELIMIT, Message: quotaMessage(kind, q, now, retryAt)}
	}
	return append(keep, now), time.Time{}, nil
}

func quotaMessage(kind UploadKind, q UploadQuota, now, retryAt time.Time) string {
	wait := retryAt.Sub(now)
	mins := int((wait + time.Minute - 1) / time.Minute)
	return fmt.Sprintf("上传过于频繁：每%s最多上传 %d 次%s。请于 %s 之后（约 %d 分钟后）再上传。",
		periodLabel(q.Per), q.Max, kind.Label(), FormatTime(retryAt), max(mins, 1))
}

func periodLabel(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "小时"
	case d%time.Hour == 0:
		return fmt.Sprintf(" %d 小时", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf(" %d 分钟", d/time.Minute)
	}
	return " " + d.String()
}

// CheckRecommendationUpload is the rule for taking a 推荐表 upload on
// app, checked before the upload's body is read: the application belongs
// to the candidate and the upload action is allowed in its state and
// window. It is the same CheckTransition the upload action itself runs,
// so the early refusal and the action cannot disagree.
func CheckRecommendationUpload(app *Application, exam *Exam, candidateID string, now time.Time) error {
	if app.CandidateID != candidateID {
		return Errorf(EFORBIDDEN, "无权操作该报名。")
	}
	_, err := CheckTransition(app, exam, ActionUploadMaterials, RoleCandidate, now)
	return err
}

// MsgDiskLow is shown when the server's free disk is below its threshold.
const MsgDiskLow = "系统存储空间暂时不足，现在无法上传文件，您的报名信息不受影响。请稍后（约半小时后）再上传；如持续出现，请联系考试机构。"

// CheckFreeDisk refuses uploads (EUNAVAILABLE) when free bytes are below min.
func CheckFreeDisk(free, min uint64) error {
	if free < min {
		return &Error{Code: EUNAVAILABLE, Message: MsgDiskLow}
	}
	return nil
}
