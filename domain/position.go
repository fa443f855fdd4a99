package domain

import "time"

// Position is a 职位 of an exam. Code is unique within the exam.
type Position struct {
	ExamID          string `json:"exam_id"`
	Code            string `json:"code"`             // 职位代码
	Department      string `json:"department"`       // 遴选机关
	Employer        string `json:"employer"`         // 用人单位
	Title           string `json:"title"`            // 职位名称
	LevelCode       string `json:"level_code"`       // 层级
	Description     string `json:"description"`      // 职位简介
	Quota           int    `json:"quota"`            // 遴选计划
	Education       string `json:"education"`        // 学历 minimum (e.g. 大学本科)
	Degree          string `json:"degree"`           // 学位 minimum (e.g. 学士)
	Major           string `json:"major"`            // 专业 (free text; checked by the reviewer)
	MaxAge          int    `json:"max_age"`          // 年龄上限 in years; 0 = none
	Political       string `json:"political"`        // 政治面貌 required (e.g. 中共党员); empty = none
	GrassrootsYears int    `json:"grassroots_years"` // 基层工作经历年限 minimum
	Rank            string `json:"rank"`             // 职级要求 (free text; checked by the reviewer)
	Other           string `json:"other"`            // 其他条件
	Phone           string `json:"phone"`            // 咨询电话
	// Cancelled is set by 取消职位 (开考比例) so every public list can say so;
	// the decision itself is the PositionOpening record.
	Cancelled bool      `json:"cancelled,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// KeepDecisions carries over what only an action may change (the
// 开考比例 cancellation) when staff edit or re-import a position.
func (p *Position) KeepDecisions(old *Position) {
	if old != nil {
		p.Cancelled = old.Cancelled
	}
}

// PositionCounts are the public 报名人数统计 of one position.
type PositionCounts struct {
	Submitted int `json:"submitted"` // 待审核
	Approved  int `json:"approved"`  // 审核通过 (including paid and later)
	Paid      int `json:"paid"`      // 已缴费 (including later)
}
