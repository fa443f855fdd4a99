package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"examreg/domain"
	"examreg/kv"
)

// demoApplicants is how many submitted applications -demo adds, so the
// review dashboard has work on first start; about half go to positions of
// the demo reviewer's department.
const demoApplicants = 36

var demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭"}
var demoGiven = []string{"伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建华", "志强"}

// seedDemoApplications adds demoApplicants candidates who each walked the
// whole journey (承诺书, 填报信息, 选择职位, 确认, 推荐表, 材料确认) through
// the same state machine the pages use, submitted over the last hours.
// It does nothing when the first of them exists already, so -demo stays
// safe on every start.
func seedDemoApplications(store *kv.Store, now time.Time, out io.Writer) error {
	exams, err := store.Exams()
	if err != nil {
		return err
	}
	var exam *domain.Exam
	for _, e := range exams {
		if e.Code == demoExamCode(now) {
			exam = e
		}
	}
	if exam == nil {
		return nil
	}
	if missing, err := loginMissing(store, demoApplicantID(0)); err != nil || !missing {
		return err
	}
	photo, err := demoPhoto()
	if err != nil {
		return err
	}
	pdf, err := demoRecommendationPDF()
	if err != nil {
		return err
	}
	hash, err := hashDemoPassword()
	if err != nil {
		return err
	}
	positions := store.PositionList(exam.ID)
	for i := range demoApplicants {
		// Submitted between 20 hours and a few minutes ago, oldest first.
		at := now.Add(-time.Duration(demoApplicants-i) * 33 * time.Minute)
		if err := seedDemoApplicant(store, exam, positions, i, at, hash, photo, pdf); err != nil {
			return fmt.Errorf("demo applicant %d: %w", i, err)
		}
	}
	fmt.Fprintf(out, "examreg demo: %d submitted applications wait for review (password of their candidates: %s)\n", demoApplicants, demoPassword)
	return nil
}

// demoApplicantID is the i-th demo applicant's 身份证号 (武汉市江岸区, born 1986–1993).
func demoApplicantID(i int) string {
	body := fmt.Sprintf("420102%04d%02d%02d%03d", 1986+i%8, 1+i%12, 1+i%28, 100+i)
	return body + string(domain.IDCheckDigit(body))
}

func seedDemoApplicant(store *kv.Store, exam *domain.Exam, positions []domain.Position, i int, at time.Time, hash string, photo, pdf []byte) error {
	id, err := domain.ParseIDNumber(demoApplicantID(i), at)
	if err != nil {
		return err
	}
	acct := &domain.Account{
		ID: kv.NewID(at), Role: domain.RoleCandidate, LoginName: id.Number,
		Name:  demoSurnames[i%len(demoSurnames)] + demoGiven[(i*5)%len(demoGiven)],
		Phone: fmt.Sprintf("139%08d", 27000000+i), PasswordHash: hash, BirthDate: id.BirthDateString(), Sex: id.Sex,
		CreatedAt: at.Add(-2 * time.Hour), UpdatedAt: at.Add(-2 * time.Hour),
	}
	acct.PhotoID = kv.NewID(at)
	if err := store.CreateAccount(acct); err != nil {
		return err
	}
	if err := store.Update(func(tx *kv.Tx) error {
		return tx.PutBlob(kv.BlobMeta{ID: acct.PhotoID, Name: "photo.jpg", ContentType: "image/jpeg", OwnerID: acct.ID, CreatedAt: at}, photo)
	}); err != nil {
		return err
	}
	form := demoApplicantForm(i)
	pos, ok := demoPosition(positions, acct, &form, exam, i)
	if !ok {
		return fmt.Errorf("no eligible position")
	}
	app := &domain.Application{
		ID: kv.NewID(at), ExamID: exam.ID, CandidateID: acct.ID, LevelCode: pos.LevelCode,
		State: domain.StateStarted, Version: 1, CreatedAt: at.Add(-time.Hour), UpdatedAt: at.Add(-time.Hour),
		History: []domain.HistoryEntry{{At: at.Add(-time.Hour), ActorID: acct.ID, Role: domain.RoleCandidate, To: domain.StateStarted, Note: "选择报考层级"}},
	}
	if err := store.CreateApplication(app); err != nil {
		return err
	}
	pledge := exam.CurrentPledge()
	steps := []struct {
		action domain.Action
		apply  func(tx *kv.Tx, a *domain.Application) error
	}{
		{domain.ActionAcceptPledge, func(_ *kv.Tx, a *domain.Application) error {
			a.PledgeVersion, a.PledgeAt, a.PledgeIP = pledge.Version, at, "127.0.0.1"
			return nil
		}},
		{domain.ActionSaveInfo, func(_ *kv.Tx, a *domain.Application) error { a.Form = form; return nil }},
		{domain.ActionSelectPosition, func(_ *kv.Tx, a *domain.Application) error {
			a.PositionCode, a.AcknowledgedTerms = pos.Code, true
			return nil
		}},
		{domain.ActionConfirm, func(_ *kv.Tx, a *domain.Application) error { a.PhotoID = acct.PhotoID; return nil }},
		{domain.ActionUploadMaterials, func(tx *kv.Tx, a *domain.Application) error {
			a.RecommendationID, a.RecommendationName = kv.NewID(at), "报名推荐表.pdf"
			return tx.PutBlob(kv.BlobMeta{ID: a.RecommendationID, Name: a.RecommendationName, ContentType: "application/pdf", OwnerID: acct.ID, CreatedAt: at}, pdf)
		}},
		{domain.ActionConfirmMaterials, nil},
	}
	for k, st := range steps {
		when := at.Add(-time.Duration(len(steps)-1-k) * 5 * time.Minute)
		if _, err := store.UpdateApplication(app.ID, func(tx *kv.Tx, a *domain.Application) error {
			// The change first: the state machine checks what the step needs
			// (the position before 确认, the 推荐表 before 材料确认).
			if st.apply != nil {
				if err := st.apply(tx, a); err != nil {
					return err
				}
			}
			return domain.Transition(a, exam, st.action, acct.ID, domain.RoleCandidate, when, "")
		}); err != nil {
			return fmt.Errorf("%s: %w", st.action.Label(), err)
		}
	}
	return nil
}

// demoPosition picks a position the applicant meets the hard requirements
// of: every other applicant one of the demo reviewer's department.
func demoPosition(positions []domain.Position, acct *domain.Account, f *domain.ApplicationForm, exam *domain.Exam, i int) (domain.Position, bool) {
	n := len(positions)
	for k := range n {
		p := positions[(i*17+k*7)%n]
		if (i%2 == 0) != (p.Department == demoDepartmentName) {
			continue
		}
		if domain.MeetsHardRequirements(&p, acct, f, exam) {
			return p, true
		}
	}
	return domain.Position{}, false
}

func demoApplicantForm(i int) domain.ApplicationForm {
	schools := []string{"武汉大学", "华中科技大学", "华中师范大学", "中南财经政法大学", "湖北大学", "武汉理工大学"}
	majors := []string{"法学", "汉语言文学", "会计学", "计算机科学与技术", "经济学", "行政管理"}
	educations := []string{"大学本科", "硕士研究生"}
	degrees := []string{"学士", "硕士"}
	edu := i % 3 / 2 // a third hold a master's degree
	return domain.ApplicationForm{
		Ethnicity: "汉族", NativePlace: "湖北武汉", BirthPlace: "湖北武汉", Political: "中共党员", PartyJoinDate: "2010-06",
		WorkStartDate: "2012-07", CivilServantDate: "2013-03", Employer: "武汉市江岸区人民政府办公室科员",
		Rank: "四级主任科员", RankDate: "2019-06", GrassrootsYears: 6, Health: "健康",
		FullTimeEducation: educations[edu], FullTimeDegree: degrees[edu], FullTimeSchool: schools[i%len(schools)],
		FullTimeMajor: majors[i%len(majors)], FullTimeGradDate: "2012-06",
		Appraisals: "2020年度称职，2021年度优秀，2022年度称职", Phone: fmt.Sprintf("139%08d", 27000000+i),
		Address: "湖北省武汉市江岸区沿江大道1号", Resume: "2008.09—2012.06 " + schools[i%len(schools)] + majors[i%len(majors)] + "专业学习\n2012.07— 武汉市江岸区人民政府办公室科员",
		Rewards: "无",
		Family:  []domain.FamilyMember{{Relation: "父亲", Name: "某某", BirthMonth: "1962-05", Political: "群众", Work: "退休"}},
	}
}

// demoPhoto is a plain light-blue 295×413 JPEG standing in for a photo.
func demoPhoto() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 295, 413))
	for y := range 413 {
		for x := range 295 {
			img.Set(x, y, color.RGBA{R: 67, G: 142, B: 219, A: 255})
		}
	}
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 70})
	return buf.Bytes(), err
}

// demoRecommendationPDF is a two-page stand-in for a scanned 推荐表.
func demoRecommendationPDF() ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetFont("Helvetica", "", 14)
	for _, side := range []string{"front", "back"} {
		p.AddPage()
		p.Cell(0, 10, "Demo recommendation form ("+side+")")
	}
	var buf bytes.Buffer
	err := p.Output(&buf)
	return buf.Bytes(), err
}
