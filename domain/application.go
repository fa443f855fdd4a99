package domain

import "time"

// State is where an application stands; statemachine.go says which action
// leads from which state to which.
type State string

// Application states.
const (
	StateStarted           State = "started"            // level chosen, 承诺书 not yet accepted
	StateInfoSaved         State = "info_saved"         // 承诺书 accepted; 填报信息 may be (partly) saved
	StatePositionSelected  State = "position_selected"  // a position is chosen
	StateConfirmed         State = "confirmed"          // 报名信息确认: nothing editable
	StateMaterialsUploaded State = "materials_uploaded" // 推荐表 PDF uploaded
	StateSubmitted         State = "submitted"          // 材料确认: 待审核
	StateApproved          State = "approved"           // 审核通过
	StateReturned          State = "returned"           // 退回修改
	StateRejected          State = "rejected"           // 审核不通过
	StatePaid              State = "paid"
	StateTicketIssued      State = "ticket_issued"
	StateScored            State = "scored"
	// 开考比例: the position was cancelled and the candidate chose a refund
	// (or let the 改报截止 pass): the fee is queued for refund at Alipay.
	StateRefundPending State = "refund_pending"
	// The fee went back to the paying Alipay account: the journey ends here.
	StateRefunded State = "refunded"
)

// Label is the state's name in the UI.
func (s State) Label() string {
	switch s {
	case StateStarted:
		return "已选择层级"
	case StateInfoSaved:
		return "填报信息"
	case StatePositionSelected:
		return "已选择职位"
	case StateConfirmed:
		return "已确认报名信息"
	case StateMaterialsUploaded:
		return "材料已上传"
	case StateSubmitted:
		return "待审核"
	case StateApproved:
		return "审核通过"
	case StateReturned:
		return "退回修改"
	case StateRejected:
		return "审核不通过"
	case StatePaid:
		return "已缴费"
	case StateTicketIssued:
		return "已生成准考证"
	case StateScored:
		return "已公布成绩"
	case StateRefundPending:
		return "申请退费，待退款"
	case StateRefunded:
		return "已退费"
	}
	return string(s)
}

// HistoryEntry records one transition: who, when, from, to, why.
type HistoryEntry struct {
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id"`
	Role    Role      `json:"role"`
	From    State     `json:"from"`
	To      State     `json:"to"`
	Note    string    `json:"note,omitempty"`
}

// Application is one candidate's registration for one exam.
type Application struct {
	ID          string `json:"id"`
	ExamID      string `json:"exam_id"`
	CandidateID string `json:"candidate_id"` // Account.ID
	LevelCode   string `json:"level_code"`
	State       State  `json:"state"`
	Version     int    `json:"version"` // bumped on every change; forms carry it to detect stale tabs

	PledgeVersion int       `json:"pledge_version"`
	PledgeAt      time.Time `json:"pledge_at"`
	PledgeIP      string    `json:"pledge_ip"`

	Form         ApplicationForm `json:"form"`
	PositionCode string          `json:"position_code"`
	// RejectedPositions are the positions that rejected this candidate; they cannot be chosen again.
	RejectedPositions []string `json:"rejected_positions,omitempty"`
	// AcknowledgedTerms: the candidate confirmed meeting the requirements the system cannot check.
	AcknowledgedTerms bool `json:"acknowledged_terms"`

	PhotoID            string `json:"photo_id,omitempty"`          // photo blob frozen at confirmation
	RecommendationID   string `json:"recommendation_id,omitempty"` // uploaded 推荐表 PDF blob
	RecommendationName string `json:"recommendation_name,omitempty"`

	ReviewReason string `json:"review_reason,omitempty"` // reason of the last return/reject
	// ReturnedParts are the parts (ReturnParts ids) the reviewer named when
	// returning the application (退回修改): only they may change until the
	// next 报名信息确认, which clears them. Empty outside that loop.
	ReturnedParts []string `json:"returned_parts,omitempty"`
	// CorrectionDeadline is the 补正截止 of the last 退回修改: until then the
	// candidate may fix the named parts even after registration closed.
	// Zero when the last decision was not a return.
	CorrectionDeadline time.Time      `json:"correction_deadline,omitzero"`
	History            []HistoryEntry `json:"history"`

	// 开考比例 (issue 13): set when the position was cancelled for too few
	// paid applicants; says whether the candidate switched or asked a
	// refund, and the refund's amount and time.
	Opening *OpeningCase `json:"opening,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}
