package domain

import (
	"slices"
	"strings"
	"testing"
)

func TestReturnPartsList(t *testing.T) {
	parts := ReturnParts()
	if parts[0].ID != PartPhoto || parts[len(parts)-1].ID != PartRecommendation || parts[len(parts)-2].ID != PartPosition {
		t.Errorf("order: %v", parts)
	}
	if len(parts) != len(FormSections)+3 {
		t.Errorf("%d parts for %d sections", len(parts), len(FormSections))
	}
	seen := map[string]bool{}
	for _, p := range parts {
		if seen[p.ID] || p.Title == "" {
			t.Errorf("part %+v duplicated or untitled", p)
		}
		seen[p.ID] = true
	}
	if PartTitle("work") != "工作情况" || PartTitle(PartPosition) != "报考职位" || PartTitle(PartPhoto) != "照片" {
		t.Errorf("titles: %q %q %q", PartTitle("work"), PartTitle(PartPosition), PartTitle(PartPhoto))
	}
}

func TestSectionOfField(t *testing.T) {
	for name, want := range map[string]string{"grassroots_years": "work", "address": "contact", "family.2.name": "family", "pt_major": "education", "nope": ""} {
		if got := SectionOfField(name); got != want {
			t.Errorf("SectionOfField(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCheckReturnParts(t *testing.T) {
	tests := []struct {
		name   string
		action Action
		parts  []string
		want   []string
		errMsg string // "" when accepted
	}{
		{"one section", ActionReturn, []string{"work"}, []string{"work"}, ""},
		{"reordered and deduplicated", ActionReturn, []string{PartRecommendation, "work", PartPhoto, "work"},
			[]string{PartPhoto, "work", PartRecommendation}, ""},
		{"every kind", ActionReturn, []string{PartPosition, "family", PartPhoto}, []string{PartPhoto, "family", PartPosition}, ""},
		{"none", ActionReturn, nil, nil, "至少指明一项"},
		{"empty list", ActionReturn, []string{}, nil, "至少指明一项"},
		{"unknown", ActionReturn, []string{"work", "salary"}, nil, "未知的修改部分“salary”"},
		{"approve names none", ActionApprove, nil, nil, ""},
		{"reject names none", ActionReject, nil, nil, ""},
		{"approve with parts", ActionApprove, []string{"work"}, nil, "只有退回修改"},
		{"reject with parts", ActionReject, []string{PartPosition}, nil, "只有退回修改"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckReturnParts(tt.action, tt.parts)
			if tt.errMsg == "" {
				if err != nil || !slices.Equal(got, tt.want) {
					t.Errorf("got %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.errMsg) || ErrorFields(err)["parts"] == "" {
				t.Errorf("got %v, %v; want EINVALID %q keyed parts", got, err, tt.errMsg)
			}
		})
	}
}

// TestPartRules: while returned with named parts, only those may change;
// the 推荐表 may always be replaced; outside the loop nothing is restricted
// by parts (the state machine decides).
func TestPartRules(t *testing.T) {
	app := func(s State, parts ...string) *Application {
		a := appIn(s)
		a.ReturnedParts = parts
		return a
	}
	tests := []struct {
		name    string
		app     *Application
		allowed []string // every other part is refused
	}{
		{"returned: work", app(StateReturned, "work"), []string{"work", PartRecommendation}},
		{"returned: photo and family", app(StateReturned, PartPhoto, "family"), []string{PartPhoto, "family", PartRecommendation}},
		{"returned: position", app(StateReturned, PartPosition), []string{PartPosition, PartRecommendation}},
		{"returned: 推荐表 only", app(StateReturned, PartRecommendation), []string{PartRecommendation}},
		{"new position chosen while returned: still restricted", app(StatePositionSelected, PartPosition, "contact"),
			[]string{PartPosition, "contact", PartRecommendation}},
		{"returned before parts existed: unrestricted", app(StateReturned), allPartIDs()},
		{"rejected: 改报 rules, not parts", app(StateRejected), allPartIDs()},
		{"first time editing", app(StateInfoSaved), allPartIDs()},
		{"position selected", app(StatePositionSelected), allPartIDs()},
		// Parts are cleared on confirmation; stale ones outside an editable
		// state restrict nothing (the state machine locks those states).
		{"stale parts while submitted", app(StateSubmitted, "work"), allPartIDs()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range allPartIDs() {
				want := slices.Contains(tt.allowed, p)
				if got := tt.app.MayChange(p); got != want {
					t.Errorf("MayChange(%s) = %v, want %v", p, got, want)
				}
				err := CheckPartChange(tt.app, p)
				if want != (err == nil) {
					t.Errorf("CheckPartChange(%s) = %v", p, err)
				}
				if err != nil {
					wantMsg := "审核员未要求修改“" + PartTitle(p) + "”，该部分不能修改。"
					if ErrorCode(err) != ECONFLICT || ErrorMessage(err) != wantMsg {
						t.Errorf("CheckPartChange(%s): %s %q, want ECONFLICT %q", p, ErrorCode(err), ErrorMessage(err), wantMsg)
					}
				}
			}
			var wantSecs []string
			for _, s := range FormSections {
				if slices.Contains(tt.allowed, s.ID) {
					wantSecs = append(wantSecs, s.ID)
				}
			}
			if got := EditableSections(tt.app); !slices.Equal(got, wantSecs) {
				t.Errorf("EditableSections = %v, want %v", got, wantSecs)
			}
		})
	}
}

func allPartIDs() []string {
	var out []string
	for _, p := range ReturnParts() {
		out = append(out, p.ID)
	}
	return out
}

func TestCheckPhotoChangeReturned(t *testing.T) {
	returned := func(parts ...string) *Application {
		a := appIn(StateReturned)
		a.ReturnedParts = parts
		return a
	}
	tests := []struct {
		name string
		apps []*Application
		want string // "" allowed, else the message contains it
	}{
		{"no application", nil, ""},
		{"editing", []*Application{appIn(StateInfoSaved)}, ""},
		{"returned, photo named", []*Application{returned(PartPhoto, "work")}, ""},
		{"returned, photo not named", []*Application{returned("work")}, "审核员未要求修改“照片”"},
		{"another exam returned without the photo", []*Application{appIn(StateInfoSaved), returned(PartPosition)}, "审核员未要求修改“照片”"},
		{"rejected", []*Application{appIn(StateRejected)}, ""},
		{"confirmed", []*Application{appIn(StateConfirmed)}, "报名信息已确认"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPhotoChange(tt.apps)
			if tt.want == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), tt.want) {
				t.Errorf("got %v, want ECONFLICT %q", err, tt.want)
			}
		})
	}
}

// TestConfirmAfterReturn: re-confirming keeps the 推荐表 on file unless the
// reviewer named it or the position changed (which dropped it).
func TestConfirmAfterReturn(t *testing.T) {
	exam := testExam()
	tests := []struct {
		name  string
		state State
		pdf   string
		parts []string
		want  State
	}{
		{"PDF kept", StateReturned, "pdf1", []string{"work"}, StateMaterialsUploaded},
		{"推荐表 named: a new one is due", StateReturned, "pdf1", []string{"work", PartRecommendation}, StateConfirmed},
		{"new position chosen: PDF dropped", StatePositionSelected, "", []string{PartPosition}, StateConfirmed},
		{"returned, no PDF on file", StateReturned, "", []string{"work"}, StateConfirmed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := appIn(tt.state)
			a.RecommendationID, a.ReturnedParts = tt.pdf, tt.parts
			if err := Transition(a, exam, ActionConfirm, "c1", RoleCandidate, tReg, ""); err != nil {
				t.Fatal(err)
			}
			if a.State != tt.want || a.ReturnedParts != nil {
				t.Errorf("state %s, parts %v; want %s, none", a.State, a.ReturnedParts, tt.want)
			}
		})
	}
}

func TestReview(t *testing.T) {
	exam := testExam()
	a := appIn(StateSubmitted)
	if err := Review(a, exam, Decision{Action: ActionConfirm}, "r1", RoleReviewer, tReg); ErrorCode(err) != EINVALID {
		t.Errorf("non-review action: %v", err)
	}
	if err := Review(a, exam, Decision{ActionReturn, "", []string{"work"}}, "r1", RoleReviewer, tReg); ErrorFields(err)["reason"] == "" {
		t.Errorf("return without reason: %v", err)
	}
	if err := Review(a, exam, Decision{ActionReturn, "工作经历不清", nil}, "r1", RoleReviewer, tReg); ErrorFields(err)["parts"] == "" {
		t.Errorf("return without parts: %v", err)
	}
	if err := Review(a, exam, Decision{ActionReturn, "工作经历不清", []string{"work"}}, "c1", RoleCandidate, tReg); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("candidate returning: %v", err)
	}
	if a.State != StateSubmitted || a.Version != 0 || len(a.History) != 0 {
		t.Fatalf("refused reviews changed the application: %+v", a)
	}
	if err := Review(a, exam, Decision{ActionReturn, "工作经历不清", []string{"work", PartPhoto}}, "r1", RoleReviewer, tReg); err != nil {
		t.Fatal(err)
	}
	if a.State != StateReturned || !slices.Equal(a.ReturnedParts, []string{PartPhoto, "work"}) || a.ReviewReason != "工作经历不清" {
		t.Errorf("after return: %s %v %q", a.State, a.ReturnedParts, a.ReviewReason)
	}
	if h := a.History[len(a.History)-1]; h.To != StateReturned || h.Note != "工作经历不清" {
		t.Errorf("history %+v", h)
	}
}

// TestStepsReturnedParts: the 报考流程 page opens only the named parts.
func TestStepsReturnedParts(t *testing.T) {
	exam := testExam()
	app := func(parts ...string) *Application {
		a := appIn(StateReturned)
		a.Form, a.ReturnedParts, a.ReviewReason = completeForm(), parts, "请修改"
		return a
	}
	type want struct {
		actionable bool
		text       string // in the step's Reason or Note
	}
	tests := []struct {
		name string
		app  *Application
		want map[string]want
	}{
		{"work only", app("work"), map[string]want{
			StepPhoto:    {false, "审核员未要求修改照片。"},
			StepInfo:     {true, "审核员要求修改：工作情况。"},
			StepPosition: {false, "审核员未要求修改报考职位。"},
			StepUpload:   {false, "已上传的报名推荐表将保留"},
			StepConfirm:  {true, ""},
		}},
		{"photo and position", app(PartPhoto, PartPosition), map[string]want{
			StepPhoto:    {true, "审核员要求修改照片。"},
			StepInfo:     {false, "审核员未要求修改填报信息。"},
			StepPosition: {true, "审核员要求修改报考职位"},
		}},
		{"推荐表", app(PartRecommendation, "family", "contact"), map[string]want{
			StepInfo:             {true, "审核员要求修改：考核与联系方式、家庭主要成员。"},
			StepUpload:           {false, "审核员要求重新上传报名推荐表"},
			StepConfirmMaterials: {false, "再重新上传报名推荐表"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range Steps(tt.app, exam, true, tReg) {
				w, ok := tt.want[s.Key]
				if !ok {
					continue
				}
				if s.Actionable != w.actionable || !strings.Contains(s.Reason+s.Note, w.text) {
					t.Errorf("%s: actionable %v, %q / %q; want %v, %q", s.Title, s.Actionable, s.Reason, s.Note, w.actionable, w.text)
				}
			}
		})
	}
}
