// Package domain holds examreg's nouns and rules: types, validation, the
// application state machine, time windows and eligibility. It does no I/O:
// time, ids and bytes come in as arguments, so every rule is table-testable.
package domain

import (
	"errors"
	"fmt"
)

// Code classifies an error so the web layer can map it to a status without
// knowing which rule failed.
type Code string

// Error codes. An error without a code is internal: the user sees only a
// generic message and the server logs it.
const (
	EINVALID      Code = "invalid"      // bad input; 422 with field messages
	ENOTFOUND     Code = "not_found"    // 404
	ECONFLICT     Code = "conflict"     // duplicate or stale state; 409
	EUNAUTHORIZED Code = "unauthorized" // not logged in or session ended; 401 / redirect to login
	EFORBIDDEN    Code = "forbidden"    // logged in but not allowed, or window closed; 403
	ETOOLARGE     Code = "too_large"    // body or upload over its limit; 413
	ELOCKED       Code = "locked"       // account temporarily locked; 423
	ERATELIMIT    Code = "rate_limited" // 429
	EUNAVAILABLE  Code = "unavailable"  // the server cannot take it now (disk low); 503
	EINTERNAL     Code = "internal"     // 500
)

// FieldErrors maps a form field's name to a message in Chinese shown next to it.
type FieldErrors map[string]string

// Error is a domain error: a code, a message for the user (Chinese) and,
// for EINVALID, messages per field.
type Error struct {
	Code    Code
	Message string
	Fields  FieldErrors
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, map[string]string(e.Fields))
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds a coded error with a user-facing message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns nil when fields is empty, else an EINVALID error carrying them.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "请检查标记的项目后重新提交。", Fields: f}
}

// Add records msg for field unless the field already has a message
// (the first failure is the most useful one to show).
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// FieldError is a one-field EINVALID error.
func FieldError(field, msg string) error {
	return &Error{Code: EINVALID, Message: msg, Fields: FieldErrors{field: msg}}
}

// ErrorCode returns the code of err, EINTERNAL when it carries none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic one so details never leak to the page.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "系统内部错误，请稍后重试。"
}

// ErrorFields returns the per-field messages of err, or nil.
func ErrorFields(err error) FieldErrors {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
