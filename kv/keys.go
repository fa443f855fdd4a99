package kv

// The key schema, in one place. Every key starts with a schema version so a
// migration can write v2/ beside v1/. Parts are separated by '/'; ids are
// fixed-width hex (NewID) so keys sort by creation time.
//
//	v1/acct/<accountID>                         domain.Account (JSON)
//	v1/uniq/<index>/<value>                     owner id of a unique value (raw)
//	    index "login"                           LoginName (身份证号 or user name) -> accountID
//	v1/sess/<accountID>                         id of the account's one live session (raw)
//	v1/seq/<name>                               uint64 counter (JSON)
//	v1/blob/<blobID>/meta                       BlobMeta (JSON)
//	v1/blob/<blobID>/data                       file bytes (raw; large ones live in the value log)
//	v1/role/<role>/<accountID>                  empty; lists accounts by role (admin pages)
//	v1/audit/<time-ordered id>                  AuditEntry (JSON), append-only
//	v1/exam/<examID>                            domain.Exam
//	v1/pos/<examID>/<positionCode>              domain.Position
//	v1/app/<applicationID>                      domain.Application
//	    unique "app_cand_exam": <candidateID>/<examID> -> applicationID (one application per candidate per exam)
//	v1/photo_pending/<accountID>                kv.PendingPhoto (JSON): a normalised photo shown before 保存图片 (apply.go)
//	v1/idx/app_by_pos/<examID>/<code>/<appID>   raw state; applications of a position (reviewers, rebuild, delete guard)
//	v1/idx/app_by_cand/<candidateID>/<appID>    empty; a candidate's applications
//	v1/cnt/<examID>/<code>/<shard 00-15>        domain.PositionCounts; one of 16 shards per position, so
//	                                            concurrent changes to a popular position rarely conflict
//	    unique "exam_code": <exam code> -> examID (exams.go)
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
//
// Issues that add records add their keys here.
const (
	prefixAccount  = "v1/acct/"
	prefixUnique   = "v1/uniq/"
	prefixSession  = "v1/sess/"
	prefixSeq      = "v1/seq/"
	prefixBlob     = "v1/blob/"
	prefixRole     = "v1/role/"
	prefixAudit    = "v1/audit/"
	prefixExam     = "v1/exam/"
	prefixPos      = "v1/pos/"
	prefixApp      = "v1/app/"
	prefixAppPos   = "v1/idx/app_by_pos/"
	prefixAppCand  = "v1/idx/app_by_cand/"
	prefixCount    = "v1/cnt/"
	prefixThrottle = "v1/throttle/"
	prefixSecret   = "v1/secret/"
	prefixOnce     = "v1/once/"
)

// Unique index names.
const (
	UniqueLogin         = "login"
	UniqueCandidateExam = "app_cand_exam"
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
func positionPrefix(examID string) string       { return prefixPos + examID + "/" }
func appKey(id string) string                   { return prefixApp + id }
func appByPosPrefix(examID, code string) string { return prefixAppPos + examID + "/" + code + "/" }
func appByPosKey(examID, code, appID string) string {
	return appByPosPrefix(examID, code) + appID
}
func appByCandPrefix(candID string) string     { return prefixAppCand + candID + "/" }
func appByCandKey(candID, appID string) string { return appByCandPrefix(candID) + appID }
func countPrefix(examID string) string         { return prefixCount + examID + "/" }
func countKey(examID, code string, shard int) string {
	return countPrefix(examID) + code + "/" + twoDigits(shard)
}

func throttleKey(login string) string { return prefixThrottle + login }
func secretKey(name string) string    { return prefixSecret + name }
func onceKey(kind, id string) string  { return prefixOnce + kind + "/" + id }

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }
