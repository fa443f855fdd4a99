package handlers

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"examreg/domain"
	"examreg/views"
)

// statusOf maps a domain error code to an HTTP status.
func statusOf(code domain.Code) int {
	switch code {
	case domain.EINVALID:
		return fiber.StatusUnprocessableEntity
	case domain.ENOTFOUND:
		return fiber.StatusNotFound
	case domain.ECONFLICT:
		return fiber.StatusConflict
	case domain.EUNAUTHORIZED:
		return fiber.StatusUnauthorized
	case domain.EFORBIDDEN:
		return fiber.StatusForbidden
	case domain.ETOOLARGE:
		return fiber.StatusRequestEntityTooLarge
	case domain.ELOCKED:
		return fiber.StatusLocked
	case domain.ERATELIMIT:
		return fiber.StatusTooManyRequests
	case domain.EUNAVAILABLE:
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}

// handleError is the one place errors become responses: domain codes map to
// statuses, Fiber's own errors keep theirs, anything else is internal,
// logged, and shown only as a generic message.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status := statusOf(domain.ErrorCode(err))
	msg := domain.ErrorMessage(err)
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
		msg = fiberMessage(fe)
	}
	if status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	if status == fiber.StatusUnauthorized {
		return s.toLogin(c)
	}
	noStore(c)
	if isHX(c) {
		return s.write(c, status, views.ErrorFragment(msg))
	}
	p, perr := s.pageInfo(c, "提示", "")
	if perr != nil {
		// The session store itself failed: answer without the layout.
		c.Status(status)
		return c.SendString(msg)
	}
	return s.write(c, status, views.Layout(p, views.ErrorPage(status, msg, backTo(c))))
}

// backTo is the local page a refused form came from (its Referer), so
// the error page leads back to it; "" when unknown or not local.
func backTo(c *fiber.Ctx) string {
	ref := c.Get(fiber.HeaderReferer)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil || (u.Host != "" && u.Host != c.Hostname()) || u.Path == c.Path() && c.Method() == fiber.MethodGet {
		return ""
	}
	back := u.Path
	if u.RawQuery != "" {
		back += "?" + u.RawQuery
	}
	return safeNext(back)
}

func fiberMessage(fe *fiber.Error) string {
	switch fe.Code {
	case fiber.StatusNotFound:
		return "您访问的页面不存在。"
	case fiber.StatusMethodNotAllowed:
		return "不支持该操作方式。"
	case fiber.StatusRequestEntityTooLarge:
		return "提交的内容过大。"
	case fiber.StatusTooManyRequests:
		return "操作过于频繁，请稍后再试。"
	case fiber.StatusRequestHeaderFieldsTooLarge, fiber.StatusRequestURITooLong:
		return "请求的网址过长（例如搜索关键词过长），请缩短后重试。"
	case fiber.StatusBadRequest:
		return "请求格式有误，请返回后重新提交。"
	}
	if fe.Code >= 500 {
		return "系统内部错误，请稍后重试。"
	}
	return "请求无法处理。"
}
