package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"time"

	"examreg/domain"
	"examreg/kv"
	"examreg/views/pdfdoc"
)

// demoStateLogin is one seeded candidate as the start-up message lists it.
type demoStateLogin struct {
	state domain.State
	login string
	name  string
}

// demoStateCandidate is a candidate seeded at one state of the review, so
// each screen (待审核, 退回修改, 审核通过 …) can be seen at once.
type demoStateCandidate struct {
	name     string
	idBody   string // 17 digits; the check digit is computed
	state    domain.State
	decision domain.Decision // for the reviewed states
}

// demoStates are the seeded candidates, all for positions of the demo
// reviewer's department, so the reviewer sees them too.
var demoStates = []demoStateCandidate{
	{"李四", "42010219920415231", domain.StatePositionSelected, domain.Decision{}},
	{"王芳", "42010219940620242", domain.StateSubmitted, domain.Decision{}},
	{"赵强", "42010219910911253", domain.StateReturned, domain.Decision{Action: domain.ActionReturn,
		Reason: "学历学位信息与报名推荐表不一致，请核对毕业时间。", Parts: []string{"education"}}},
	{"陈静", "42010219950102264", domain.StateApproved, domain.Decision{Action: domain.ActionApprove}},
	{"刘洋", "42010219930728275", domain.StateRejected, domain.Decision{Action: domain.ActionReject,
		Reason: "所报职位要求具有法律职业资格证书（A类），报名材料中未见。"}},
}

// seedDemoStates walks each demo state candidate through the same domain
// decisions the pages use, up to its state. A candidate whose account
// exists is left as it is.
func seedDemoStates(store *kv.Store, exam *domain.Exam, now time.Time) ([]demoStateLogin, error) {
	reviewer, err := store.AccountByLogin(strings.ToUpper(demoReviewerLogin))
	if err != nil {
		return nil, err
	}
	// The candidates acted two days ago and the reviewer yesterday, so
	// 待审核 shows how long it has waited.
	acted, reviewed := now.Add(-48*time.Hour), now.Add(-24*time.Hour)
	var out []demoStateLogin
	used := map[string]bool{}
	for _, dc := range demoStates {
		login := dc.idBody + string(domain.IDCheckDigit(dc.idBody))
		out = append(out, demoStateLogin{dc.state, login, dc.name})
		missing, err := loginMissing(store, login)
		if err != nil {
			return nil, err
		}
		if !missing {
			continue
		}
		if err := seedDemoStateCandidate(store, exam, reviewer, dc, login, used, acted, reviewed); err != nil {
			return nil, fmt.Errorf("%s (%s): %w", dc.name, dc.state.Label(), err)
		}
	}
	return out, nil
}

// seedDemoStateCandidate registers one candidate and takes every step up to
// dc.state, then applies the reviewer's decision.
func seedDemoStateCandidate(store *kv.Store, exam *domain.Exam, reviewer *domain.Account, dc demoStateCandidate, login string, used map[string]bool, acted, reviewed time.Time) error {
	acct, err := createDemoCandidate(store, login, dc.name, acted)
	if err != nil {
		return err
	}
	if acct, err = demoSavePhoto(store, acct, acted); err != nil {
		return err
	}
	app, err := store.StartApplication(acct.ID, exam.ID, "sz", acted)
	if err != nil {
		return err
	}
	// Each step is the candidate's own action (kv/apply_actions.go) on the
	// version the previous one returned, as the pages post it.
	act := func() kv.CandidateAct {
		return kv.CandidateAct{AppID: app.ID, CandidateID: acct.ID, Version: app.Version, Now: acted}
	}
	steps := []func() (*domain.Application, error){
		func() (*domain.Application, error) {
			return store.AcceptPledge(act(), exam.CurrentPledge().Version, "127.0.0.1")
		},
		func() (*domain.Application, error) {
			return store.SaveForm(act(), demoSections(), demoForm(acct))
		},
		func() (*domain.Application, error) { return demoSelectPosition(store, exam, acct, act(), used) },
	}
	if dc.state != domain.StatePositionSelected {
		steps = append(steps,
			func() (*domain.Application, error) { return store.ConfirmApplication(act()) },
			func() (*domain.Application, error) { return demoUploadRecommendation(store, exam, acct, act()) },
			func() (*domain.Application, error) { return store.ConfirmMaterials(act()) },
		)
	}
	for _, step := range steps {
		if app, err = step(); err != nil {
			return err
		}
	}
	if dc.decision.Action != "" {
		_, err = store.ReviewApplication(app.ID, reviewer, dc.decision, reviewed)
	}
	return err
}

// demoSavePhoto checks a drawn portrait like an upload and saves it (上传照片, 保存图片).
func demoSavePhoto(store *kv.Store, acct *domain.Account, now time.Time) (*domain.Account, error) {
	img := image.NewRGBA(image.Rect(0, 0, 600, 840))
	for y := 0; y < 840; y++ {
		for x := 0; x < 600; x++ {
			c := color.RGBA{224, 236, 250, 255} // light blue background
			dx, dy := x-300, y-330
			switch {
			case dx*dx+dy*dy < 130*130: // head
				c = color.RGBA{236, 200, 170, 255}
			case y > 520 && dx*dx < (y-420)*(y-420): // shoulders
				c = color.RGBA{40, 52, 72, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	data, info, err := domain.NormalizePhoto(buf.Bytes())
	if err != nil {
		return nil, err
	}
	if err := store.PutPendingPhoto(acct.ID, kv.PendingPhoto{Data: data, Info: info, At: now}); err != nil {
		return nil, err
	}
	return store.SavePendingPhoto(acct.ID, now)
}

// demoForm is a complete 填报信息 for a candidate born in the early 1990s.
func demoForm(acct *domain.Account) domain.ApplicationForm {
	return domain.ApplicationForm{
		Ethnicity: "汉族", NativePlace: "湖北武汉", BirthPlace: "湖北武汉", Political: "中共党员", PartyJoinDate: "2013-06",
		Health: "健康", WorkStartDate: "2015-07", CivilServantDate: "2016-03", Employer: "武汉市江岸区人民政府办公室四级主任科员",
		Rank: "四级主任科员", RankDate: "2021-06", GrassrootsYears: 5,
		FullTimeEducation: "大学本科", FullTimeDegree: "学士", FullTimeSchool: "武汉大学", FullTimeMajor: "汉语言文学", FullTimeGradDate: "2015-06",
		Appraisals: "2023年度称职，2024年度优秀，2025年度称职", Phone: acct.Phone, Address: "湖北省武汉市江岸区沿江大道1号",
		Resume:  "2011.09—2015.06 武汉大学汉语言文学专业学习\n2015.07— 武汉市江岸区人民政府办公室工作",
		Rewards: "2024年度嘉奖一次",
		Family:  []domain.FamilyMember{{Relation: "父亲", Name: acct.Name[:3] + "建国", BirthMonth: "1965-01", Political: "群众", Work: "退休"}},
	}
}

// demoSections names every section of 填报信息 (the demo saves them all).
func demoSections() []string {
	ids := make([]string, len(domain.FormSections))
	for i, sec := range domain.FormSections {
		ids[i] = sec.ID
	}
	return ids
}

// demoSelectPosition chooses the first position of the reviewer's
// department the candidate meets and no other demo candidate took.
func demoSelectPosition(store *kv.Store, exam *domain.Exam, acct *domain.Account, act kv.CandidateAct, used map[string]bool) (*domain.Application, error) {
	a, err := store.Application(act.AppID)
	if err != nil {
		return nil, err
	}
	for _, p := range store.PositionList(exam.ID) {
		if p.Department != demoDepartmentName || p.LevelCode != a.LevelCode || used[p.Code] {
			continue
		}
		if hard, _ := domain.CheckEligibility(&p, acct, &a.Form, exam); len(hard) > 0 {
			continue
		}
		used[p.Code] = true
		return store.ChoosePosition(act, p.Code, true)
	}
	return nil, fmt.Errorf("no demo position of %s fits", demoDepartmentName)
}

// demoUploadRecommendation uploads the system's own 报名推荐表 as the
// scanned, stamped one (it passes the same PDF check).
func demoUploadRecommendation(store *kv.Store, exam *domain.Exam, acct *domain.Account, act kv.CandidateAct) (*domain.Application, error) {
	a, err := store.Application(act.AppID)
	if err != nil {
		return nil, err
	}
	pos, _ := store.Position(exam.ID, a.PositionCode)
	level, _ := exam.Level(a.LevelCode)
	pdf, err := pdfdoc.RecommendationPDF(pdfdoc.RecommendationData{
		ExamName: exam.Name, Name: acct.Name, Sex: acct.Sex, BirthDate: acct.BirthDate, IDNumber: acct.LoginName,
		Form: a.Form, Position: pos, LevelName: level.Name, ApplicationID: a.ID, GeneratedAt: act.Now,
	})
	if err != nil {
		return nil, err
	}
	if _, err := domain.CheckRecommendationPDF(pdf); err != nil {
		return nil, err
	}
	return store.UploadRecommendation(act, "报名推荐表.pdf", pdf)
}
