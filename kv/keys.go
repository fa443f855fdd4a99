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
//
// Issues that add records (exams, positions, applications, counters,
// announcements) add their keys here.
const (
	prefixAccount = "v1/acct/"
	prefixUnique  = "v1/uniq/"
	prefixSession = "v1/sess/"
	prefixSeq     = "v1/seq/"
	prefixBlob    = "v1/blob/"
	prefixRole    = "v1/role/"
	prefixAudit   = "v1/audit/"
)

// Unique index names.
const (
	UniqueLogin = "login"
)

func accountKey(id string) string           { return prefixAccount + id }
func uniqueKey(index, value string) string  { return prefixUnique + index + "/" + value }
func sessionKey(accountID string) string    { return prefixSession + accountID }
func seqKey(name string) string             { return prefixSeq + name }
func blobMetaKey(id string) string          { return prefixBlob + id + "/meta" }
func blobDataKey(id string) string          { return prefixBlob + id + "/data" }
func roleKey(role, accountID string) string { return prefixRole + role + "/" + accountID }
func auditKey(id string) string             { return prefixAudit + id }
