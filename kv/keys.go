package kv

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The key schema, in one place. Every key starts with a schema version so a
// migration can write v2/ beside v1/. Parts are separated by '/'; ids are
// fixed-width hex (NewID) so keys sort by creation time.
//
//	v1/acct/<accountID>                         domain.Account (JSON)
//	v1/uniq/<index>/<value>                     owner id of a unique value (raw)
//	    index "login"                           LoginName (身份证号 or user name) -> accountID
//	v1/sess/<accountID>                         id of the account's one live session (raw)
//	v1/seq/<name>                               a counter or a one-time marker (JSON)
//	v1/blob/<blobID>/meta                       BlobMeta (JSON)
//	v1/blob/<blobID>/data                       file bytes (raw; large ones live in the value log)
//	v1/role/<role>/<accountID>                  empty; lists accounts by role (admin pages)
//	v1/audit/<time-ordered id>                  AuditEntry (JSON), append-only
//	v1/exam/<examID>                            domain.Exam
//	v1/pos/<examID>/<positionCode>              domain.Position
//	v1/catver/<examID>                          raw random token, renewed by every commit that writes a position of the exam (positions_version.go)
//	v1/app/<applicationID>                      domain.Application
//	    unique "app_cand_exam": <candidateID>/<examID> -> applicationID (one application per candidate per exam)
//	v1/photo_pending/<accountID>                kv.PendingPhoto (JSON): a normalised photo shown before 保存图片
//	v1/idx/app_by_pos/<examID>/<code>/<appID>   raw state; applications of a position (reviewers, rebuild, delete guard)
//	v1/idx/app_by_cand/<candidateID>/<appID>    empty; a candidate's applications
//	v1/cnt/<examID>/<code>/<shard 00-15>        domain.PositionCounts; one of 16 shards per position, so
//	                                            concurrent changes to a popular position rarely conflict
//	    unique "exam_code": <exam code> -> examID (exams.go)
//	v1/idx/rq/<examID>/<department>/<bucket>/<since>/<appID>  queue entry: the review dashboard (review_queue.go)
//	v1/meta/rq_built                            marker: the review queue index covers every application
//	v1/notice/<noticeID>                        domain.Notice (JSON); attachments are blobs (notices.go)
//	v1/throttle/<login name>                    domain.LoginThrottle (JSON), with a TTL of LoginFailureMemory;
//	                                            kept for unknown names too, so they answer like real ones
//	v1/secret/<name>                            32 random bytes made on first use (captcha and form-token keys)
//	v1/once/<kind>/<id>                         empty, with a TTL: a single-use token already spent (captcha)
//	v1/order/<orderID>                          domain.Order; orderID (time-ordered) is Alipay's out_trade_no (pay.go)
//	v1/idx/order_open/<appID>                   raw orderID: the application's one created order
//	v1/idx/order_by_app/<appID>/<orderID>       empty; an application's orders
//	v1/idx/order_created/<orderID>              empty; orders not yet paid or closed (reconciliation)
//	v1/payanom/<orderID>-<kind>                 domain.PaymentAnomaly: money that settled nothing, queued for refund
//	v1/site                                     domain.SiteSettings (JSON): the footer's 主办单位 and ICP 备案号 (site.go)
//	v1/idx/acct_name/<esc name>/<accountID>      empty; find an account by 姓名 (support, staff.go)
//	v1/idx/acct_phone/<phone>/<accountID>        empty; find an account by phone (support, staff.go)
//	v1/idx/audit_actor/<esc actor>/<auditID>     empty; the audit log of one actor (audit_query.go)
//	v1/idx/audit_target/<esc target>/<auditID>   empty; the audit log of one target (audit_query.go)
//	v1/msg/<accountID>/<messageID>              domain.Message (JSON): 站内消息 (messages.go)
//	    unique "event": <event key> -> messageID (one message per event)
//	v1/dlv/<deliveryID>                         kv.Delivery (JSON): a message to send by e-mail/SMS (messages.go)
//	v1/idx/dlv_due/<due ms, 16 hex>/<deliveryID> empty; deliveries waiting to be sent, by due time
//	v1/idx/dlv_sending/<deliveryID>             empty; deliveries being sent (a crash leaves them here)
//	v1/outbox/<id>                              kv.OutboxMail (JSON): what the demo sender "sent" (/admin/outbox)
//	v1/reset/<sha256 of login, hex>             domain.ResetCode (JSON): 忘记密码 code of a login (reset.go)
//	v1/venue/<examID>/<venueNo, 2 digits>       domain.Venue: a 考点 and its 考场 (venue.go)
//	v1/ticketcfg/<examID>                       domain.TicketSettings: 考试代码 and 考生须知 (venue.go)
//	v1/seatrun/<examID>                         domain.SeatRun: the exam's last seat assignment (ticket_assign.go)
//	v1/seatprog/<examID>/<runID>/<worker>       applications a worker of an unfinished seat run has written (JSON int)
//	v1/seat/<examID>/<appID>                    domain.Seat of an application
//	v1/idx/seat_no/<examID>/<准考证号>           appID; sorted by venue, room, seat (rosters, check-in by number)
//	v1/checkin/<examID>/<准考证号>               domain.CheckIn (ticket_checkin.go)
//	v1/openingcfg/<examID>                      domain.OpeningSettings: 开考比例 and 改报截止 (opening.go)
//	v1/openingpos/<examID>/<code>               domain.PositionOpening: a position cancelled or reduced
//	v1/idx/opening_case/<examID>/<code>/<appID> decision of a paid candidate of cancelled position code ("" undecided)
//	v1/upload_quota/<accountID>/<kind>          []time.Time (JSON): the account's recent uploads of a kind (uploads.go)
//	v1/score/…, v1/scoregen/…                   笔试成绩 import generations (score.go)
//
// Issues that add records add their keys here.
const (
	prefixAccount = "v1/acct/"
	prefixUnique  = "v1/uniq/"
	prefixSession = "v1/sess/"
	prefixSeq     = "v1/seq/"
	prefixBlob    = "v1/blob/"
	prefixRole    = "v1/role/"
	prefixAudit   = "v1/audit/"
	prefixExam    = "v1/exam/"
	prefixPos     = "v1/pos/"
	prefixCatVer  = "v1/catver/"
	// examsVersionKey is renewed by every commit that writes an exam (exams_cache.go).
	examsVersionKey = "v1/examsver"
	prefixApp       = "v1/app/"
	prefixAppPos    = "v1/idx/app_by_pos/"
	prefixAppCand   = "v1/idx/app_by_cand/"
	prefixCount     = "v1/cnt/"
	prefixThrottle  = "v1/throttle/"
	prefixSecret    = "v1/secret/"
	prefixOnce      = "v1/once/"
	siteKey         = "v1/site"
	prefixUpload    = "v1/upload_quota/"
	prefixNotice    = "v1/notice/"
	// prefixPhotoPending holds one normalised photo per account between
	// upload and 保存图片.
	prefixPhotoPending = "v1/photo_pending/"

	prefixAcctName    = "v1/idx/acct_name/"
	prefixAcctPhone   = "v1/idx/acct_phone/"
	prefixAuditActor  = "v1/idx/audit_actor/"
	prefixAuditTarget = "v1/idx/audit_target/"
	prefixMessage     = "v1/msg/"
	prefixDelivery    = "v1/dlv/"
	prefixDlvDue      = "v1/idx/dlv_due/"
	prefixDlvSending  = "v1/idx/dlv_sending/"
	prefixOutbox      = "v1/outbox/"
	prefixReset       = "v1/reset/"

	prefixVenue     = "v1/venue/"
	prefixTicketCfg = "v1/ticketcfg/"
	prefixSeatRun   = "v1/seatrun/"
	prefixSeatProg  = "v1/seatprog/"
	prefixSeat      = "v1/seat/"
	prefixSeatNo    = "v1/idx/seat_no/"
	prefixCheckIn   = "v1/checkin/"
)

// Unique index names.
const (
	UniqueLogin         = "login"
	UniqueCandidateExam = "app_cand_exam"
	UniqueExamCode      = "exam_code" // exam codes
	UniqueEvent         = "event"
)

func accountKey(id string) string               { return prefixAccount + id }
func uniqueKey(index, value string) string      { return prefixUnique + index + "/" + value }
func sessionKey(accountID string) string        { return prefixSession + accountID }
func seqKey(name string) string                 { return prefixSeq + name }
func blobMetaKey(id string) string              { return prefixBlob + id + "/meta" }
func blobDataKey(id string) string              { return prefixBlob + id + "/data" }
func roleKey(role, accountID string) string     { return prefixRole + role + "/" + accountID }
func auditKey(id string) string                 { return prefixAudit + id }
func examKey(id string) string                  { return prefixExam + id }
func positionKey(examID, code string) string    { return prefixPos + examID + "/" + code }
func appKey(id string) string                   { return prefixApp + id }
func appByPosPrefix(examID, code string) string { return prefixAppPos + examID + "/" + code + "/" }
func appByPosKey(examID, code, appID string) string {
	return appByPosPrefix(examID, code) + appID
}
func appByCandPrefix(candID string) string     { return prefixAppCand + candID + "/" }
func appByCandKey(candID, appID string) string { return appByCandPrefix(candID) + appID }
func noticeKey(id string) string               { return prefixNotice + id }
func photoPendingKey(accountID string) string  { return prefixPhotoPending + accountID }
func countPrefix(examID string) string         { return prefixCount + examID + "/" }
func countKey(examID, code string, shard int) string {
	return countPrefix(examID) + code + "/" + twoDigits(shard)
}

func throttleKey(login string) string              { return prefixThrottle + login }
func secretKey(name string) string                 { return prefixSecret + name }
func onceKey(kind, id string) string               { return prefixOnce + kind + "/" + id }
func uploadQuotaKey(accountID, kind string) string { return prefixUpload + accountID + "/" + kind }

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// keyPart escapes a free-text value ('/' and '%') for use as one key part,
// so a prefix scan of one value never runs into another value's keys.
func keyPart(v string) string {
	if !strings.ContainsAny(v, "/%") {
		return v
	}
	return keyPartEscaper.Replace(v)
}

// keyPartEscaper is built once: a Replacer builds its tables on first use
// (several KB), which, built per call, was 14 % of the bytes a state change allocated.
var keyPartEscaper = strings.NewReplacer("%", "%25", "/", "%2F")

func acctNameKey(name, id string) string     { return prefixAcctName + keyPart(name) + "/" + id }
func acctPhoneKey(phone, id string) string   { return prefixAcctPhone + keyPart(phone) + "/" + id }
func auditActorPrefix(actor string) string   { return prefixAuditActor + keyPart(actor) + "/" }
func auditTargetPrefix(target string) string { return prefixAuditTarget + keyPart(target) + "/" }
func messagePrefix(accountID string) string  { return prefixMessage + accountID + "/" }
func messageKey(accountID, id string) string { return messagePrefix(accountID) + id }
func deliveryKey(id string) string           { return prefixDelivery + id }
func dlvDueKey(due time.Time, id string) string {
	return prefixDlvDue + fmt.Sprintf("%016x", due.UnixMilli()) + "/" + id
}
func dlvSendingKey(id string) string { return prefixDlvSending + id }
func outboxKey(id string) string     { return prefixOutbox + id }
func resetKey(login string) string {
	sum := sha256.Sum256([]byte(login))
	return prefixReset + hex.EncodeToString(sum[:])
}

func venuePrefix(examID string) string         { return prefixVenue + examID + "/" }
func venueKey(examID string, no int) string    { return venuePrefix(examID) + twoDigits(no) }
func ticketCfgKey(examID string) string        { return prefixTicketCfg + examID }
func seatRunKey(examID string) string          { return prefixSeatRun + examID }
func seatPrefix(examID string) string          { return prefixSeat + examID + "/" }
func seatKey(examID, appID string) string      { return seatPrefix(examID) + appID }
func seatNoPrefix(examID string) string        { return prefixSeatNo + examID + "/" }
func seatNoKey(examID, ticketNo string) string { return seatNoPrefix(examID) + ticketNo }
func checkInKey(examID, ticketNo string) string {
	return prefixCheckIn + examID + "/" + ticketNo
}
func seatProgressPrefix(examID, runID string) string {
	return prefixSeatProg + examID + "/" + runID + "/"
}
func seatProgressKey(examID, runID string, worker int) string {
	return seatProgressPrefix(examID, runID) + strconv.Itoa(worker)
}
