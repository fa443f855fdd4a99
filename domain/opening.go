package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// 开考比例: a position opens only when its paid (已缴费) applicants reach
// ratio × its 遴选计划. Before seats are assigned the administrator cancels
// (取消职位) or reduces (核减计划) every position below it; the paid
// candidates of a cancelled position then switch (改报) to another open
// position they are eligible for, without paying again, until the 改报截止,
// or have their fee refunded.

// DefaultRatioTenths is the usual 开考比例 3:1, in tenths.
const DefaultRatioTenths = 30

// MaxRatioTenths bounds the ratio (20:1).
const MaxRatioTenths = 200

// OpeningSettings are an exam's 开考比例 settings, kept by the administrator
// on the 开考比例 page (their own record, not the general exam form).
type OpeningSettings struct {
	ExamID string `json:"exam_id"`
	// RatioTenths is the 开考比例 × 10: 30 is 3:1, 25 is 2.5:1. Zero: not set (DefaultRatioTenths).
	RatioTenths int `json:"ratio_tenths"`
	// SwitchCap limits 改报: a position whose paid applicants reach
	// SwitchCap × its quota takes no more (已满). Zero: no limit.
	SwitchCap int `json:"switch_cap,omitempty"`
	// SwitchEnd is the 改报截止: until then candidates of a cancelled position may switch.
	SwitchEnd time.Time `json:"switch_end,omitzero"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ratio returns the ratio in tenths, the default when unset.
func (o *OpeningSettings) Ratio() int {
	if o == nil || o.RatioTenths <= 0 {
		return DefaultRatioTenths
	}
	return o.RatioTenths
}

// FormatRatio words a ratio in tenths: 30 → "3:1", 25 → "2.5:1".
func FormatRatio(tenths int) string {
	s := strconv.Itoa(tenths / 10)
	if tenths%10 != 0 {
		s += "." + strconv.Itoa(tenths%10)
	}
	return s + ":1"
}

// OpeningInput is the settings form as typed.
type OpeningInput struct {
	Ratio     string // "3", "2.5", "3:1"
	SwitchCap string // optional whole number
	SwitchEnd string // datetime-local
}

// Validate reads the form. Field keys: ratio, switch_cap, switch_end. The
// 改报截止 must lie after now (a window that is already over helps nobody).
func (in OpeningInput) Validate(examID string, now time.Time) (*OpeningSettings, error) {
	fe := FieldErrors{}
	o := &OpeningSettings{ExamID: examID}
	ratio, ok := parseRatio(in.Ratio)
	if !ok {
		fe.Add("ratio", "开考比例须为大于 0、不超过 20 的数（最多一位小数），如 3 表示 3:1。")
	}
	o.RatioTenths = ratio
	if s := strings.TrimSpace(in.SwitchCap); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			fe.Add("switch_cap", "改报人数上限须为 1-100 的整数（每个计划名额），不限请留空。")
		}
		o.SwitchCap = n
	}
	end, ok := ParseDatetimeLocal(in.SwitchEnd)
	switch {
	case strings.TrimSpace(in.SwitchEnd) == "":
		fe.Add("switch_end", "请填写改报截止时间。")
	case !ok:
		fe.Add("switch_end", "改报截止时间格式不正确。")
	case !end.After(now):
		fe.Add("switch_end", "改报截止时间须晚于现在。")
	}
	o.SwitchEnd = end
	return o, fe.Err()
}

// parseRatio reads "3", "2.5", "3:1" or "3：1" into tenths, 1..MaxRatioTenths.
func parseRatio(s string) (int, bool) {
	s = strings.TrimSpace(s)
	for _, suffix := range []string{":1", "：1"} {
		s = strings.TrimSuffix(s, suffix)
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || len(whole) > 3 {
		return 0, false
	}
	n, _ := strconv.Atoi(whole)
	n *= 10
	if hasFrac {
		if len(frac) != 1 || frac[0] < '0' || frac[0] > '9' {
			return 0, false
		}
		n += int(frac[0] - '0')
	}
	if n <= 0 || n > MaxRatioTenths {
		return 0, false
	}
	return n, true
}

// UnderRatio reports whether paid applicants fall below ratio × quota.
func UnderRatio(quota, paid, ratioTenths int) bool {
	return paid*10 < ratioTenths*quota
}

// SupportedQuota is the largest 遴选计划 the paid applicants support at the ratio.
func SupportedQuota(paid, ratioTenths int) int {
	if ratioTenths <= 0 {
		return 0
	}
	return paid * 10 / ratioTenths
}

// Position opening decisions.
const (
	OpeningCancelled = "cancelled" // 取消职位
	OpeningReduced   = "reduced"   // 核减计划
)

// PositionOpening records the administrator's decision on one position
// below the ratio.
type PositionOpening struct {
	ExamID   string    `json:"exam_id"`
	Code     string    `json:"code"`
	Kind     string    `json:"kind"` // OpeningCancelled or OpeningReduced
	OldQuota int       `json:"old_quota"`
	NewQuota int       `json:"new_quota"` // 0 when cancelled
	Paid     int       `json:"paid"`      // paid applicants at the decision
	ActorID  string    `json:"actor_id"`
	At       time.Time `json:"at"`
}

// Cancelled reports whether the record cancels the position (nil: no decision).
func (p *PositionOpening) Cancelled() bool { return p != nil && p.Kind == OpeningCancelled }

// OpeningFacts is what a cancel or reduce decision looks at.
type OpeningFacts struct {
	Exam     *Exam
	Settings *OpeningSettings // nil: never saved
	Position *Position
	Prev     *PositionOpening // the position's earlier decision, nil when none
	Paid     int
	Seated   bool // a seat run exists
	ActorID  string
	Now      time.Time
}

// checkOpeningDecision holds the rules shared by cancel and reduce.
func (f OpeningFacts) check() error {
	switch {
	case f.Settings == nil || f.Settings.SwitchEnd.IsZero():
		return Errorf(ECONFLICT, "请先设置开考比例和改报截止时间。")
	case f.Seated:
		return Errorf(ECONFLICT, "考场已编排，不能再取消或核减职位。")
	case f.Exam.Payment.Start.IsZero() || f.Now.Before(f.Exam.Payment.End):
		return Errorf(ECONFLICT, "网上缴费尚未结束（%s），已缴费人数还会变化，结束后才能取消或核减职位。", f.Exam.Payment.String())
	case f.Prev.Cancelled():
		return Errorf(ECONFLICT, "职位 %s 已于 %s 取消，不能重复操作。", f.Position.Code, FormatTime(f.Prev.At))
	case !UnderRatio(f.Position.Quota, f.Paid, f.Settings.Ratio()):
		return Errorf(ECONFLICT, "职位 %s 已缴费 %d 人，计划 %d 名，已达到开考比例 %s，无需取消或核减。",
			f.Position.Code, f.Paid, f.Position.Quota, FormatRatio(f.Settings.Ratio()))
	}
	return nil
}

// DecideCancel decides 取消职位 for a position below the ratio: only once
// payment has closed, before seats are assigned, once per position, and
// only while the 改报 window is still ahead when paid candidates are
// affected (they must be able to switch).
func DecideCancel(f OpeningFacts) (*PositionOpening, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if f.Paid > 0 && !f.Now.Before(f.Settings.SwitchEnd) {
		return nil, Errorf(ECONFLICT, "改报截止时间（%s）已过，受影响的考生将无法改报：请先延后改报截止时间。", FormatTime(f.Settings.SwitchEnd))
	}
	return &PositionOpening{ExamID: f.Position.ExamID, Code: f.Position.Code, Kind: OpeningCancelled,
		OldQuota: f.Position.Quota, Paid: f.Paid, ActorID: f.ActorID, At: f.Now}, nil
}

// DecideReduce decides 核减计划 to the typed quota (field "quota"): a whole
// number from 1 to below the current quota that the paid applicants
// support at the ratio. Zero is a cancellation, not a reduction.
func DecideReduce(f OpeningFacts, typed string) (*PositionOpening, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(typed))
	supported := SupportedQuota(f.Paid, f.Settings.Ratio())
	switch {
	case err != nil:
		return nil, FieldError("quota", "核减后的计划数须为整数。")
	case n < 1:
		return nil, FieldError("quota", "核减后的计划数至少为 1；无法开考的职位请取消。")
	case n >= f.Position.Quota:
		return nil, FieldError("quota", "核减后的计划数须小于当前计划 "+itoa(f.Position.Quota)+" 名。")
	case supported < 1:
		return nil, FieldError("quota", "已缴费 "+itoa(f.Paid)+" 人，按开考比例 "+FormatRatio(f.Settings.Ratio())+" 不足 1 名计划：请取消该职位。")
	case n > supported:
		return nil, FieldError("quota", "已缴费 "+itoa(f.Paid)+" 人，按开考比例 "+FormatRatio(f.Settings.Ratio())+" 最多支持 "+itoa(supported)+" 名计划。")
	}
	return &PositionOpening{ExamID: f.Position.ExamID, Code: f.Position.Code, Kind: OpeningReduced,
		OldQuota: f.Position.Quota, NewQuota: n, Paid: f.Paid, ActorID: f.ActorID, At: f.Now}, nil
}

// Decisions of a candidate whose position was cancelled.
const (
	CaseSwitched = "switched" // 改报 to another position
	CaseRefund   = "refund"   // 申请退款 (or 逾期未改报, queued by the administrator)
)

// OpeningCase is kept on a paid application whose position was cancelled:
// what happened and what the candidate chose.
type OpeningCase struct {
	Position    string    `json:"position"` // the cancelled position
	CancelledAt time.Time `json:"cancelled_at"`
	SwitchEnd   time.Time `json:"switch_end"`
	Decision    string    `json:"decision,omitempty"` // "" while undecided, CaseSwitched or CaseRefund
	ToPosition  string    `json:"to_position,omitempty"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	DecidedBy   string    `json:"decided_by,omitempty"`
	// The refund (CaseRefund): the fee and the Alipay trade it goes back
	// through (0 and "" when nothing was paid online), and when Alipay
	// refunded it (zero until then).
	RefundFen     int64     `json:"refund_fen,omitempty"`
	RefundTradeNo string    `json:"refund_trade_no,omitempty"`
	RefundedAt    time.Time `json:"refunded_at,omitzero"`
}

// Pending reports whether the candidate has still to choose.
func (c *OpeningCase) Pending() bool { return c != nil && c.Decision == "" }

// History notes of the 开考比例 events; DescribeEvent words them.
const (
	notePositionCancelled = "职位取消 "
	noteSwitched          = "改报 "
	noteRefundQueued      = "申请退款 "
	noteRefunded          = "已退费 "
	noteOverdue           = "逾期未改报，"
)

// OpenCase marks app as affected by the cancellation of its position: the
// case is recorded on the application with a history entry (the state stays
// paid). Only paid applications are affected.
func OpenCase(app *Application, op *PositionOpening, switchEnd time.Time) {
	app.Opening = &OpeningCase{Position: op.Code, CancelledAt: op.At, SwitchEnd: switchEnd}
	stampCase(app, op.ActorID, RoleAdmin, op.At, notePositionCancelled+op.Code+"，改报截止 "+FormatTime(switchEnd))
}

func stampCase(app *Application, actorID string, role Role, now time.Time, note string) {
	app.Version++
	app.UpdatedAt = now
	app.History = append(app.History, HistoryEntry{At: now, ActorID: actorID, Role: role, From: app.State, To: app.State, Note: note})
}

// checkCaseOpen refuses a decision on an application that has none to
// make: a refund, once chosen, ends the 改报 too.
func checkCaseOpen(app *Application) error {
	c := app.Opening
	switch {
	case c != nil && c.Decision == CaseSwitched:
		return Errorf(ECONFLICT, "您已于 %s 改报职位 %s，不能再改报或申请退款。", FormatTime(c.DecidedAt), c.ToPosition)
	case c != nil && (c.Decision == CaseRefund || app.State.Refund()):
		return Errorf(ECONFLICT, "您已于 %s 申请退款，请勿重复申请；本次报名已结束，不能再改报。", FormatTime(c.DecidedAt))
	case c == nil || app.State != StatePaid:
		return Errorf(ECONFLICT, "您的报考职位未被取消，无需改报或退款。")
	}
	return nil
}

// SwitchTarget is a position offered for 改报, with what decides it.
type SwitchTarget struct {
	Position *Position
	Opening  *PositionOpening // its own decision, nil when none
	Paid     int
}

// SwitchRefusal says why target cannot take app's 改报 ("" when it can):
// cancelled, full at the 改报 cap, another exam, the same position, one
// that rejected the candidate, or one the candidate is clearly not
// eligible for (CheckEligibility's hard reasons).
func SwitchRefusal(app *Application, acct *Account, exam *Exam, s *OpeningSettings, t SwitchTarget) string {
	p := t.Position
	switch {
	case p.ExamID != app.ExamID:
		return "职位 " + p.Code + " 不属于本场考试。"
	case p.Code == app.PositionCode:
		return "不能改报原职位。"
	case t.Opening.Cancelled():
		return "职位 " + p.Code + " 已取消，不能改报。"
	case slices.Contains(app.RejectedPositions, p.Code):
		return "您报考职位 " + p.Code + " 审核未通过，不能改报该职位。"
	case s != nil && s.SwitchCap > 0 && t.Paid >= s.SwitchCap*p.Quota:
		return "职位 " + p.Code + " 已满（已缴费 " + itoa(t.Paid) + " 人，改报上限为计划数的 " + itoa(s.SwitchCap) + " 倍），不能改报。"
	}
	if hard, _ := CheckEligibility(p, acct, &app.Form, exam); len(hard) > 0 {
		return "您不符合职位 " + p.Code + " 的报考条件：" + strings.Join(hard, "；") + "。"
	}
	return ""
}

// DecideSwitch decides 改报 of app (whose position was cancelled) to the
// target: by its own candidate, undecided, before the 改报截止, to a
// position SwitchRefusal accepts. Errors on field "position_code".
func DecideSwitch(app *Application, acct *Account, exam *Exam, s *OpeningSettings, t *SwitchTarget, now time.Time) error {
	if app.CandidateID != acct.ID {
		return Errorf(ENOTFOUND, "报名记录不存在。")
	}
	if err := checkCaseOpen(app); err != nil {
		return err
	}
	if !now.Before(app.Opening.SwitchEnd) {
		return Errorf(EFORBIDDEN, "改报已于 %s 截止，不能再改报；如需退款请点击“申请退款”。", FormatTime(app.Opening.SwitchEnd))
	}
	if t == nil || t.Position == nil {
		return FieldError("position_code", "请选择要改报的职位（填写职位代码）。")
	}
	if why := SwitchRefusal(app, acct, exam, s, *t); why != "" {
		return FieldError("position_code", why)
	}
	return nil
}

// ApplySwitch moves app to the target position (and its level); the paid
// fee goes with it. Call DecideSwitch first.
func ApplySwitch(app *Application, p *Position, actorID string, now time.Time) {
	from := app.PositionCode
	app.PositionCode, app.LevelCode = p.Code, p.LevelCode
	app.Opening.Decision, app.Opening.ToPosition, app.Opening.DecidedAt, app.Opening.DecidedBy = CaseSwitched, p.Code, now, actorID
	stampCase(app, actorID, RoleCandidate, now, noteSwitched+from+" → "+p.Code)
}

// DecideRefundRequest decides 申请退款: the candidate asks for their own
// application (at any time while undecided: it is their money), or an
// administrator queues the refunds of those who let the 改报截止 pass.
// The state machine (ActionRequestRefund) gives the next state,
// refund_pending: the application leaves paid, so it no longer counts as
// paid, cannot be seated and cannot switch (改报) any more.
func DecideRefundRequest(app *Application, exam *Exam, actor *Account, now time.Time) (State, error) {
	if actor.Role == RoleCandidate && app.CandidateID != actor.ID {
		return "", Errorf(ENOTFOUND, "报名记录不存在。")
	}
	if actor.Role != RoleCandidate && actor.Role != RoleAdmin {
		return "", Errorf(EFORBIDDEN, "只有考生本人或管理员可以办理退款。")
	}
	if err := checkCaseOpen(app); err != nil {
		return "", err
	}
	if actor.Role == RoleAdmin && now.Before(app.Opening.SwitchEnd) {
		return "", Errorf(ECONFLICT, "改报截止（%s）前由考生自行选择改报或退款。", FormatTime(app.Opening.SwitchEnd))
	}
	return CheckTransition(app, exam, ActionRequestRefund, actor.Role, now)
}

// ApplyRefundRequest moves app to next (DecideRefundRequest) and records
// the refund: fen paid through Alipay trade tradeNo (0 and "" when nothing
// was paid online), with a history entry saying where the money goes.
func ApplyRefundRequest(app *Application, next State, actor *Account, now time.Time, fen int64, tradeNo string) {
	c := app.Opening
	c.Decision, c.DecidedAt, c.DecidedBy = CaseRefund, now, actor.ID
	c.RefundFen, c.RefundTradeNo = fen, tradeNo
	note := refundQueuedNote(fen)
	if actor.Role != RoleCandidate {
		note = noteOverdue + note
	}
	Apply(app, next, actor.ID, actor.Role, now, noteRefundQueued+note)
}

func refundQueuedNote(fen int64) string {
	if fen <= 0 {
		return "无网上缴费记录，无需退款"
	}
	return "报考费 " + FormatYuan(fen) + " 元待原路退回付款的支付宝账户"
}

// DecideRefundMade decides the last step of a refund case: Alipay has
// refunded the fee (the administrator's 退款 on the finance page), or
// there was nothing to refund. refund_pending → refunded (ActionRefund).
func DecideRefundMade(app *Application, exam *Exam, role Role, now time.Time) (State, error) {
	if app.Opening == nil {
		return "", Errorf(ECONFLICT, "该报名没有职位取消的退费记录。")
	}
	return CheckTransition(app, exam, ActionRefund, role, now)
}

// ApplyRefundMade moves app to next (DecideRefundMade) and records when
// the fee went back.
func ApplyRefundMade(app *Application, next State, actorID string, role Role, now time.Time) {
	c := app.Opening
	c.RefundedAt = now
	note := "无网上缴费记录，无需退款"
	if c.RefundFen > 0 {
		note = "报考费 " + FormatYuan(c.RefundFen) + " 元已原路退回付款的支付宝账户"
		if c.RefundTradeNo != "" {
			note += "（交易号 " + c.RefundTradeNo + "）"
		}
	}
	Apply(app, next, actorID, role, now, noteRefunded+note)
}

// AdoptRefundCase brings an application written before the refund states
// existed (paid, Opening.Decision refund) into them: its own "申请退款"
// history entry becomes the paid → refund_pending transition it stood
// for (checked by the state machine), with the fee and trade the caller
// found in the payment records; refundedAt, when not zero, completes it
// (→ refunded) at that time. Returns false when app is not such a case.
func AdoptRefundCase(app *Application, exam *Exam, fen int64, tradeNo string, refundedAt time.Time) (bool, error) {
	c := app.Opening
	if c == nil || c.Decision != CaseRefund || app.State != StatePaid {
		return false, nil
	}
	role := RoleAdmin
	if c.DecidedBy == app.CandidateID {
		role = RoleCandidate
	}
	next, err := CheckTransition(app, exam, ActionRequestRefund, role, c.DecidedAt)
	if err != nil {
		return false, err
	}
	c.RefundFen, c.RefundTradeNo = fen, tradeNo
	app.State = next
	app.Version++
	for i := len(app.History) - 1; i >= 0; i-- {
		if h := &app.History[i]; h.From == StatePaid && h.To == StatePaid && strings.HasPrefix(h.Note, noteRefundQueued) {
			h.To = next
			break
		}
	}
	if refundedAt.IsZero() {
		return true, nil
	}
	next, err = DecideRefundMade(app, exam, RoleSystem, refundedAt)
	if err != nil {
		return false, err
	}
	ApplyRefundMade(app, next, "system", RoleSystem, refundedAt)
	return true, nil
}

// CheckOpeningSettled refuses a seat run while a 改报 window is open over
// cancelled positions, or while affected candidates have not decided.
func CheckOpeningSettled(s *OpeningSettings, cancelled, pending int, now time.Time) error {
	if cancelled > 0 && s != nil && now.Before(s.SwitchEnd) {
		return Errorf(ECONFLICT, "改报时间至 %s 尚未结束，结束后才能编排考场。", FormatTime(s.SwitchEnd))
	}
	if pending > 0 {
		return Errorf(ECONFLICT, "还有 %d 名被取消职位的考生既未改报也未申请退款：请在“开考比例”页面将其转入退款后再编排考场。", pending)
	}
	return nil
}

// describeOpening words the 开考比例 history entries (nil: not one).
func describeOpening(h HistoryEntry) (string, bool) {
	if h.To == StateRefunded {
		return "退费完成：" + strings.TrimPrefix(h.Note, noteRefunded) + "，到账时间以支付宝为准。", true
	}
	if h.To == StateRefundPending || (h.From == h.To && strings.HasPrefix(h.Note, noteRefundQueued)) {
		rest := strings.TrimPrefix(h.Note, noteRefundQueued)
		if r, ok := strings.CutPrefix(rest, noteOverdue); ok {
			return "改报截止前未改报，已转入退费：" + r + "。", true
		}
		return "您申请了退费：" + rest + "。", true
	}
	if h.From != h.To {
		return "", false
	}
	switch {
	case strings.HasPrefix(h.Note, notePositionCancelled):
		rest := strings.TrimPrefix(h.Note, notePositionCancelled)
		code, end, _ := strings.Cut(rest, "，改报截止 ")
		return "您报考的职位 " + code + " 因已缴费人数未达到开考比例被取消：请在 " + end + " 前改报其他职位（无需再缴费），或申请退款。", true
	case strings.HasPrefix(h.Note, noteSwitched):
		return "您已改报职位 " + strings.TrimPrefix(h.Note, noteSwitched) + "，报考费随之转入新职位。", true
	}
	return "", false
}

// OpeningSituation words a cancelled position's case for the home page
// (ok false when the application has none).
func OpeningSituation(app *Application, now time.Time) (s Situation, ok bool) {
	c := app.Opening
	switch {
	case c == nil:
		return s, false
	case app.State == StateRefunded:
		s.Headline = "您报考的职位 " + c.Position + " 因未达开考比例已取消，报考费已退还"
		s.Detail = RefundSummary(app)
		return s, true
	case app.State == StateRefundPending:
		s.Headline = "您报考的职位 " + c.Position + " 因未达开考比例已取消，已申请退费，待退款"
		s.Detail = RefundSummary(app)
		return s, true
	case app.State != StatePaid:
		return s, false
	}
	switch c.Decision {
	case "":
		s.Headline = "您报考的职位 " + c.Position + " 因未达开考比例已取消"
		if now.Before(c.SwitchEnd) {
			s.Detail = "请在 " + FormatTime(c.SwitchEnd) + " 前改报其他职位（无需再缴费），或申请退款。"
		} else {
			s.Detail = "改报已于 " + FormatTime(c.SwitchEnd) + " 截止，您仍可申请退款。"
		}
	case CaseSwitched:
		return s, false
	case CaseRefund:
		s.Headline = "您报考的职位 " + c.Position + " 已取消，已申请退款"
		s.Detail = "报考费将原路退回，请留意站内消息。"
	}
	return s, true
}

// RefundSummary words a refund case for the candidate (查看报考状态, 网上缴费,
// 改报或退款): when it was asked, the amount, that it goes back to the
// paying Alipay account, and when it was refunded. "" when app is not one.
func RefundSummary(app *Application) string {
	c := app.Opening
	if c == nil || !app.State.Refund() {
		return ""
	}
	asked := "于 " + FormatTime(c.DecidedAt) + " 申请退费"
	if c.DecidedBy != app.CandidateID {
		asked = "改报截止前未改报，于 " + FormatTime(c.DecidedAt) + " 转入退费"
	}
	trade := ""
	if c.RefundTradeNo != "" {
		trade = "（支付宝交易号 " + c.RefundTradeNo + "）"
	}
	switch {
	case c.RefundFen <= 0:
		return "您" + asked + "。无网上缴费记录，无需退款；本次报名已结束。"
	case app.State == StateRefunded:
		return "您" + asked + "，报考费 " + FormatYuan(c.RefundFen) + " 元已于 " + FormatTime(c.RefundedAt) +
			" 原路退回您付款的支付宝账户" + trade + "，到账时间以支付宝为准。本次报名已结束。"
	}
	return "您" + asked + "，报考费 " + FormatYuan(c.RefundFen) + " 元将原路退回您付款的支付宝账户" + trade +
		"。退款完成后将以站内消息通知您，并在此显示退款时间。本次报名已结束。"
}
