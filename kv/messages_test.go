package kv

import (
	"testing"
	"time"

	"examreg/domain"
)

// A decision writes one 站内消息 and one delivery per contact in the
// deciding transaction; the same event again writes nothing.
func TestNotifyOncePerEvent(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := newAccount("420102199003071234", domain.RoleCandidate)
	a.Phone, a.Email = "13800138000", "a@example.com"
	if err := s.CreateAccount(a); err != nil {
		t.Fatal(err)
	}
	n := Notification{AccountID: a.ID, EventKey: "decision/app1/7", Title: "资格审核通过", Body: "…"}
	for i, want := range []bool{true, false} {
		var sent bool
		if err := s.Update(func(tx *Tx) (err error) { sent, err = tx.Notify(n, acctTime); return err }); err != nil {
			t.Fatal(err)
		}
		if sent != want {
			t.Fatalf("call %d: sent %v", i, sent)
		}
	}
	msgs, unread, _ := s.Messages(a.ID, 10)
	if len(msgs) != 1 || unread != 1 {
		t.Fatalf("messages %d unread %d", len(msgs), unread)
	}
	dl, _ := s.Deliveries(10)
	if len(dl) != 2 {
		t.Fatalf("deliveries %+v", dl)
	}
	if err := s.MarkMessageRead(a.ID, msgs[0].ID, acctTime); err != nil {
		t.Fatal(err)
	}
	if _, unread, _ = s.Messages(a.ID, 10); unread != 0 {
		t.Fatalf("unread after read: %d", unread)
	}
	if err := s.MarkMessageRead("someone-else", msgs[0].ID, acctTime); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("another account's message: %v", err)
	}
}

// ReviewApplication tells the candidate in its own transaction; a refused
// decision tells nothing.
func TestReviewApplicationNotifies(t *testing.T) {
	s := openTemp(t, false)
	ids, admin := seedSubmitted(t, s)
	app, _ := s.Application(ids[0])
	if _, err := s.ReviewApplication(ids[0], admin, domain.Decision{Action: domain.ActionReject}, benchStart); err == nil {
		t.Fatal("reject without reason accepted")
	}
	if msgs, _, _ := s.Messages(app.CandidateID, 10); len(msgs) != 0 {
		t.Fatalf("refused decision told: %+v", msgs)
	}
	if _, err := s.ReviewApplication(ids[0], admin, domain.Decision{Action: domain.ActionReturn, Reason: "照片不清晰", Parts: []string{domain.PartRecommendation}}, benchStart); err != nil {
		t.Fatal(err)
	}
	msgs, unread, _ := s.Messages(app.CandidateID, 10)
	if len(msgs) != 1 || unread != 1 || msgs[0].Title != "报名被退回修改" {
		t.Fatalf("%+v", msgs)
	}
}

// The dispatcher's claim moves a delivery to sending once: a second claim
// finds nothing; a failure comes back after the retry pause; success is
// final; a sensitive body is erased once sent; a crash mid-send leaves it
// unknown, never resent.
func TestDeliveryLifecycle(t *testing.T) {
	s := openAt(t, t.TempDir())
	a := newAccount("420102199003071234", domain.RoleCandidate)
	a.Phone = "13800138000"
	if err := s.CreateAccount(a); err != nil {
		t.Fatal(err)
	}
	notify := func(key string, sensitive bool) {
		t.Helper()
		if err := s.Update(func(tx *Tx) error {
			_, err := tx.Notify(Notification{AccountID: a.ID, EventKey: key, Title: "t", Body: "验证码 123456", Sensitive: sensitive, NoInbox: sensitive}, acctTime)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	notify("e1", true)
	got, _ := s.ClaimDueDeliveries(acctTime, 10)
	if len(got) != 1 || got[0].State != DeliverySending || got[0].Attempts != 1 {
		t.Fatalf("claim %+v", got)
	}
	if again, _ := s.ClaimDueDeliveries(acctTime, 10); len(again) != 0 {
		t.Fatalf("claimed twice: %+v", again)
	}
	if err := s.FinishDelivery(got[0].ID, DeliveryFailed, "timeout", time.Minute, acctTime); err != nil {
		t.Fatal(err)
	}
	if early, _ := s.ClaimDueDeliveries(acctTime.Add(30*time.Second), 10); len(early) != 0 {
		t.Fatal("retried before its pause")
	}
	got, _ = s.ClaimDueDeliveries(acctTime.Add(2*time.Minute), 10)
	if len(got) != 1 || got[0].Attempts != 2 {
		t.Fatalf("retry %+v", got)
	}
	if err := s.FinishDelivery(got[0].ID, DeliverySent, "", time.Minute, acctTime); err != nil {
		t.Fatal(err)
	}
	list, _ := s.Deliveries(10)
	if list[0].State != DeliverySent || list[0].Body == "验证码 123456" {
		t.Fatalf("after send %+v", list[0])
	}
	notify("e2", false)
	if got, _ = s.ClaimDueDeliveries(acctTime.Add(time.Hour), 10); len(got) != 1 {
		t.Fatalf("claim e2 %+v", got)
	}
	// The server stops here, mid-send.
	if n, err := s.RecoverDeliveries(); err != nil || n != 1 {
		t.Fatalf("recover %d %v", n, err)
	}
	if again, _ := s.ClaimDueDeliveries(acctTime.Add(24*time.Hour), 10); len(again) != 0 {
		t.Fatal("interrupted delivery resent")
	}
}

// The 24-hour 补正截止 reminder goes out once, only when due.
func TestRemindReturnDeadline(t *testing.T) {
	s := openTemp(t, false)
	ids, admin := seedSubmitted(t, s)
	if err := advance(s, ids[0], admin); err != nil { // return
		t.Fatal(err)
	}
	deadline := benchStart.Add(48 * time.Hour)
	if sent, err := s.RemindReturnDeadline(ids[0], deadline, benchStart); err != nil || sent {
		t.Fatalf("48 h before: %v %v", sent, err)
	}
	at := deadline.Add(-23 * time.Hour)
	if sent, err := s.RemindReturnDeadline(ids[0], deadline, at); err != nil || !sent {
		t.Fatalf("23 h before: %v %v", sent, err)
	}
	if sent, _ := s.RemindReturnDeadline(ids[0], deadline, at.Add(time.Hour)); sent {
		t.Fatal("reminded twice")
	}
	app, _ := s.Application(ids[0])
	if msgs, _, _ := s.Messages(app.CandidateID, 10); len(msgs) != 1 || msgs[0].Title != "补正截止提醒" {
		t.Fatalf("%+v", msgs)
	}
}
