package domain

import (
	"strings"
	"testing"
	"time"
)

func TestCandidateSituation(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, Shanghai)
	exam := &Exam{
		Registration: Window{Start: now.AddDate(0, 0, -5), End: time.Date(2026, 12, 15, 17, 0, 0, 0, Shanghai)},
		Review:       Window{Start: now.AddDate(0, 0, -5), End: now.AddDate(0, 0, 16)},
		Payment:      Window{Start: now.AddDate(0, 0, 17), End: now.AddDate(0, 0, 20)},
	}
	next := []Step{{Key: StepPhoto, Status: StepDone}, {Key: StepInfo, Title: "填报信息", Status: StepCurrent, Actionable: true}}
	waiting := []Step{{Key: StepReview, Title: "审核", Status: StepCurrent}}
	submitted := func(at time.Time) *Application {
		return &Application{State: StateSubmitted, History: []HistoryEntry{{At: at, From: StateMaterialsUploaded, To: StateSubmitted}}}
	}
	cases := []struct {
		name     string
		app      *Application
		steps    []Step
		headline string
		detail   string
		nextKey  string
	}{
		{"not applied", nil, next, "尚未报名", "报名截止时间：2026-12-15 17:00", StepInfo},
		{"half done names the next step", &Application{State: StateInfoSaved}, next, "报名未完成，下一步：填报信息", "材料确认后", StepInfo},
		{"submitted two days ago", submitted(time.Date(2026, 12, 1, 16, 0, 0, 0, Shanghai)), waiting, "待审核，已等待 2 天", "审核时间", ""},
		{"submitted today", submitted(now.Add(-time.Hour)), waiting, "待审核，今天提交", "", ""},
		{"returned names the parts and the deadline", &Application{State: StateReturned, ReturnedParts: []string{PartPosition}, ReviewReason: "专业不符"}, next,
			"退回修改：请修改 " + PartTitle(PartPosition) + "，补正截止 2026-12-15 17:00", "审核意见：专业不符", StepInfo},
		{"returned leads to the part to fix, not to 报名信息确认", &Application{State: StateReturned, ReturnedParts: []string{"education"}},
			[]Step{{Key: StepInfo, Status: StepDone, Actionable: true}, {Key: StepConfirm, Status: StepCurrent, Actionable: true}},
			"退回修改：请修改 学历学位，补正截止 2026-12-15 17:00", "", StepInfo},
		{"approved points to payment", &Application{State: StateApproved}, nil, "审核通过，请按时网上缴费", "缴费时间：", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := CandidateSituation(tc.app, exam, tc.steps, now)
			if s.Headline != tc.headline {
				t.Errorf("headline %q, want %q", s.Headline, tc.headline)
			}
			if !strings.Contains(s.Detail, tc.detail) {
				t.Errorf("detail %q, want it to contain %q", s.Detail, tc.detail)
			}
			switch {
			case tc.nextKey == "" && s.Next != nil:
				t.Errorf("next step %q, want none (waiting is not a step to take)", s.Next.Key)
			case tc.nextKey != "" && (s.Next == nil || s.Next.Key != tc.nextKey):
				t.Errorf("next step %+v, want %s", s.Next, tc.nextKey)
			}
		})
	}
}

func TestDescribeEvent(t *testing.T) {
	cases := []struct {
		from, to State
		note     string
		want     string
	}{
		{"", StateStarted, "", "您选择了报考层级，开始报名。"},
		{StateStarted, StateInfoSaved, "", "您阅读并接受了报考承诺书。"},
		{StateInfoSaved, StateInfoSaved, "", "您保存了填报信息。"},
		{StateInfoSaved, StatePositionSelected, "", "您选择了报考职位。"},
		{StatePositionSelected, StatePositionSelected, "", "您改选了报考职位。"},
		{StatePositionSelected, StateConfirmed, "", "您确认了报名信息，报名信息不能再修改。"},
		{StateMaterialsUploaded, StateMaterialsUploaded, "", "您更换了报名推荐表。"},
		{StateMaterialsUploaded, StateSubmitted, "", "您确认提交了材料，进入资格审核。"},
		{StateSubmitted, StateReturned, "", "审核员退回修改。"},
		{StateSubmitted, StateApproved, "", "资格审核通过。"},
		{StateInfoSaved, StatePositionSelected, "选择职位 14200003", "您选择了报考职位 14200003。"},
		{StateRejected, StatePositionSelected, "改报职位 14200005", "您改选了报考职位 14200005。"},
		{StateSubmitted, StateReturned, "请核对毕业时间", "审核员退回修改：请核对毕业时间。"},
		{StateSubmitted, StateRejected, "年龄不符。", "资格审核不通过：年龄不符。"},
		{StateStarted, StateInfoSaved, "接受报考承诺书（版本 1）", "您阅读并接受了报考承诺书。"},
	}
	for _, tc := range cases {
		if got := DescribeEvent(HistoryEntry{From: tc.from, To: tc.to, Note: tc.note}); got != tc.want {
			t.Errorf("%s → %s: %q, want %q", tc.from, tc.to, got, tc.want)
		}
		if strings.Contains(DescribeEvent(HistoryEntry{From: tc.from, To: tc.to}), "→") {
			t.Errorf("%s → %s: arrow in the sentence", tc.from, tc.to)
		}
	}
}
