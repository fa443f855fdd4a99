package kv

import (
	"errors"
	"strings"
	"time"

	"examreg/domain"
)

// Delivery states.
const (
	DeliveryPending = "pending" // waiting for the dispatcher (first try or a retry)
	DeliverySending = "sending" // handed to the sender; a crash leaves it here
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"  // gave up after MaxDeliveryAttempts
	DeliverySkipped = "skipped" // no sender configured for the channel
	DeliveryUnknown = "unknown" // was being sent when the server stopped: not sent again
)

// MaxDeliveryAttempts bounds the retries of a failing delivery.
const MaxDeliveryAttempts = 6

// Delivery is one message to send by e-mail or SMS, written in the same
// transaction as the event it tells of (a durable outbox) and sent later by
// the dispatcher.
type Delivery struct {
	ID        string         `json:"id"`
	EventKey  string         `json:"event_key"`
	AccountID string         `json:"account_id"`
	Channel   domain.Channel `json:"channel"`
	To        string         `json:"to"`
	Subject   string         `json:"subject"`
	Body      string         `json:"body"`
	// Sensitive bodies (reset codes) are erased once sent.
	Sensitive bool      `json:"sensitive,omitempty"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	DueAt     time.Time `json:"due_at"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitempty"`
	LastError string    `json:"last_error,omitempty"`
}

// Notification is what an action tells an account: a 站内消息 and, through
// the outbox, an e-mail and/or SMS to the account's registered contacts.
type Notification struct {
	AccountID string
	EventKey  string // unique per event: the same key never notifies twice
	Title     string
	Body      string
	Link      string
	// NoInbox sends only through the outbox (reset codes are not 站内消息).
	NoInbox   bool
	Sensitive bool
	// Channels limits the outbox to these channels (nil: every contact the account has).
	Channels []domain.Channel
}

// Notify records n inside the caller's transaction, so the message exists
// exactly when the action that caused it commits. A second call with the
// same event key (a retried or repeated action) does nothing and reports false.
func (tx *Tx) Notify(n Notification, now time.Time) (bool, error) {
	if n.EventKey == "" {
		return false, errors.New("kv: notification without event key")
	}
	msgID := NewID(now)
	if _, err := tx.LookupUnique(UniqueEvent, n.EventKey); err == nil {
		return false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	if err := tx.PutRaw(uniqueKey(UniqueEvent, n.EventKey), []byte(msgID)); err != nil {
		return false, err
	}
	// An account that is gone (never in practice) still gets the 站内消息
	// record but nothing is sent.
	acct, err := tx.Account(n.AccountID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		acct, err = &domain.Account{ID: n.AccountID}, nil
	}
	if err != nil {
		return false, err
	}
	if !n.NoInbox {
		m := domain.Message{ID: msgID, AccountID: acct.ID, EventKey: n.EventKey, Title: n.Title, Body: n.Body, Link: n.Link, CreatedAt: now}
		if err := tx.Put(messageKey(acct.ID, msgID), &m); err != nil {
			return false, err
		}
	}
	want := func(c domain.Channel) bool {
		if n.Channels == nil {
			return true
		}
		for _, w := range n.Channels {
			if w == c {
				return true
			}
		}
		return false
	}
	contacts := []struct {
		ch domain.Channel
		to string
	}{{domain.ChannelEmail, acct.Email}, {domain.ChannelSMS, acct.Phone}}
	for i, ct := range contacts {
		if ct.to == "" || !want(ct.ch) {
			continue
		}
		d := Delivery{
			ID: msgID + string(rune('0'+i)), EventKey: n.EventKey, AccountID: acct.ID, Channel: ct.ch, To: ct.to,
			Subject: n.Title, Body: n.Body, Sensitive: n.Sensitive, State: DeliveryPending, DueAt: now, CreatedAt: now,
		}
		if err := tx.Put(deliveryKey(d.ID), &d); err != nil {
			return false, err
		}
		if err := tx.PutRaw(dlvDueKey(d.DueAt, d.ID), nil); err != nil {
			return false, err
		}
	}
	return true, nil
}

// NotifyDecision tells the candidate of a review decision on app (already
// in its new state), inside the deciding transaction. The event key holds
// the application's version, so each decision is told once.
func (tx *Tx) NotifyDecision(app *domain.Application, deadline, now time.Time) error {
	title := ""
	if p, err := tx.Position(app.ExamID, app.PositionCode); err == nil {
		title = p.Title
	}
	t, body := domain.DecisionMessage(app, title, deadline)
	_, err := tx.Notify(Notification{
		AccountID: app.CandidateID, EventKey: "decision/" + app.ID + "/" + itoa(app.Version),
		Title: t, Body: body, Link: "/status",
	}, now)
	return err
}

// RemindReturnDeadline sends the 补正截止 reminder of a returned
// application when it is due (domain.ReturnReminderDue), once per deadline.
// It reports whether a reminder was written now. The review work calls it
// for the returned applications whose deadline is within a day.
func (s *Store) RemindReturnDeadline(appID string, deadline, now time.Time) (sent bool, err error) {
	err = s.Update(func(tx *Tx) error {
		app, err := tx.Application(appID)
		if err != nil {
			return err
		}
		if !domain.ReturnReminderDue(app, deadline, now) {
			sent = false
			return nil
		}
		title, body := domain.ReturnDeadlineMessage(deadline)
		sent, err = tx.Notify(Notification{
			AccountID: app.CandidateID, EventKey: "return-deadline/" + app.ID + "/" + itoa(int(deadline.Unix())),
			Title: title, Body: body, Link: "/status",
		}, now)
		return err
	})
	return sent, err
}

// Messages lists an account's 站内消息, newest first, at most limit.
func (s *Store) Messages(accountID string, limit int) (list []domain.Message, unread int, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(messagePrefix(accountID), ScanOptions{Reverse: true}, func(_ string, v []byte) error {
			var m domain.Message
			if err := jsonUnmarshal(v, &m); err != nil {
				return err
			}
			if m.Unread() {
				unread++
			}
			if limit <= 0 || len(list) < limit {
				list = append(list, m)
			}
			return nil
		})
	})
	return list, unread, err
}

// MarkMessageRead marks one of the account's messages read (ENOTFOUND for
// another account's message); reading it again changes nothing.
func (s *Store) MarkMessageRead(accountID, msgID string, now time.Time) error {
	return s.Update(func(tx *Tx) error {
		var m domain.Message
		if err := tx.Get(messageKey(accountID, msgID), &m); err != nil {
			if errors.Is(err, ErrNotFound) {
				return domain.Errorf(domain.ENOTFOUND, "消息不存在。")
			}
			return err
		}
		if !m.Unread() {
			return nil
		}
		m.ReadAt = now
		return tx.Put(messageKey(accountID, msgID), &m)
	})
}

// ClaimDueDeliveries moves up to limit deliveries due at now from pending
// to sending and returns them. A delivery is claimed before it is sent, so
// it is never sent twice: after a crash it stays "sending" until
// RecoverDeliveries marks it unknown.
func (s *Store) ClaimDueDeliveries(now time.Time, limit int) (list []Delivery, err error) {
	err = s.Update(func(tx *Tx) error {
		list = list[:0]
		bound := dlvDueKey(now, "\xff")
		var keys []string
		if err := tx.Scan(prefixDlvDue, ScanOptions{KeysOnly: true, Limit: limit}, func(k string, _ []byte) error {
			if k > bound {
				return StopScan
			}
			keys = append(keys, k)
			return nil
		}); err != nil {
			return err
		}
		for _, k := range keys {
			id := k[strings.LastIndexByte(k, '/')+1:]
			var d Delivery
			if err := tx.Get(deliveryKey(id), &d); err != nil {
				return err
			}
			d.State = DeliverySending
			d.Attempts++
			if err := tx.Delete(k); err != nil {
				return err
			}
			if err := tx.PutRaw(dlvSendingKey(id), nil); err != nil {
				return err
			}
			if err := tx.Put(deliveryKey(id), &d); err != nil {
				return err
			}
			list = append(list, d)
		}
		return nil
	})
	return list, err
}

// FinishDelivery records the outcome of sending a claimed delivery: sent,
// skipped (no sender for the channel), or failed with a retry after retry
// (or for good after MaxDeliveryAttempts).
func (s *Store) FinishDelivery(id, state, errText string, retry time.Duration, now time.Time) error {
	return s.Update(func(tx *Tx) error {
		var d Delivery
		if err := tx.Get(deliveryKey(id), &d); err != nil {
			return err
		}
		if d.State != DeliverySending {
			return nil
		}
		if err := tx.Delete(dlvSendingKey(id)); err != nil {
			return err
		}
		d.LastError = errText
		switch {
		case state == DeliverySent:
			d.State, d.SentAt = DeliverySent, now
		case state == DeliverySkipped:
			d.State = DeliverySkipped
		case d.Attempts >= MaxDeliveryAttempts:
			d.State = DeliveryFailed
		default:
			d.State, d.DueAt = DeliveryPending, now.Add(retry)
			if err := tx.PutRaw(dlvDueKey(d.DueAt, d.ID), nil); err != nil {
				return err
			}
		}
		if d.Sensitive && d.State != DeliveryPending {
			d.Body = "（已删除）"
		}
		return tx.Put(deliveryKey(id), &d)
	})
}

// RecoverDeliveries marks deliveries left "sending" by a stopped server as
// unknown: they may have gone out, and sending them again could tell a
// candidate twice. Call it before the dispatcher starts.
func (s *Store) RecoverDeliveries() (n int, err error) {
	err = s.Update(func(tx *Tx) error {
		var ids []string
		if err := tx.Scan(prefixDlvSending, ScanOptions{KeysOnly: true}, func(k string, _ []byte) error {
			ids = append(ids, k[len(prefixDlvSending):])
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			var d Delivery
			if err := tx.Get(deliveryKey(id), &d); err != nil {
				return err
			}
			d.State = DeliveryUnknown
			if d.Sensitive {
				d.Body = "（已删除）"
			}
			if err := tx.Delete(dlvSendingKey(id)); err != nil {
				return err
			}
			if err := tx.Put(deliveryKey(id), &d); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// Deliveries lists deliveries newest first (the administrator's view of
// the outbox), at most limit.
func (s *Store) Deliveries(limit int) (list []Delivery, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefixDelivery, ScanOptions{Reverse: true, Limit: limit}, func(_ string, v []byte) error {
			var d Delivery
			if err := jsonUnmarshal(v, &d); err != nil {
				return err
			}
			list = append(list, d)
			return nil
		})
	})
	return list, err
}

// OutboxMail is a message the demo sender "sent": kept for the
// administrator to read at /admin/outbox instead of leaving the machine.
type OutboxMail struct {
	ID       string         `json:"id"`
	Channel  domain.Channel `json:"channel"`
	To       string         `json:"to"`
	Subject  string         `json:"subject"`
	Body     string         `json:"body"`
	EventKey string         `json:"event_key"`
	At       time.Time      `json:"at"`
}

// AppendOutbox stores a message the demo sender delivered.
func (s *Store) AppendOutbox(m OutboxMail) error {
	if m.ID == "" {
		m.ID = NewID(m.At)
	}
	return s.Update(func(tx *Tx) error { return tx.Put(outboxKey(m.ID), &m) })
}

// Outbox lists the demo sender's messages, newest first, at most limit.
func (s *Store) Outbox(limit int) (list []OutboxMail, err error) {
	err = s.View(func(tx *Tx) error {
		return tx.Scan(prefixOutbox, ScanOptions{Reverse: true, Limit: limit}, func(_ string, v []byte) error {
			var m OutboxMail
			if err := jsonUnmarshal(v, &m); err != nil {
				return err
			}
			list = append(list, m)
			return nil
		})
	})
	return list, err
}
