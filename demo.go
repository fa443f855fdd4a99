package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"examreg/domain"
	"examreg/domain/sheet"
	"examreg/kv"
)

// Demo credentials, printed at start so a newcomer can walk every role.
const (
	demoPassword       = "Demo2023pass"
	demoCandidateBody  = "42010219930307123" // 武汉市江岸区, born 1993-03-07, male: under 35, fits most demo positions
	demoReviewerLogin  = "reviewer"
	demoAdminLogin     = "admin"
	demoDepartmentName = "中共湖北省委办公厅"
)

// demoExamCode and demoExamName name the demo exam for the year of now.
func demoExamCode(now time.Time) string { return fmt.Sprintf("%dHBLX", now.In(domain.Shanghai).Year()) }

func demoExamName(now time.Time) string {
	return fmt.Sprintf("湖北省%d年度市州级以上机关公开遴选公务员", now.In(domain.Shanghai).Year())
}

// seedDemo fills a store with whatever part of the demo data it lacks:
// the demo accounts (each checked by its login), the demo exam (checked by
// its code) and one candidate at each interesting state of the review, so
// -demo is safe on every start and completes a seed that was interrupted.
// Each step is its own function.
func seedDemo(store *kv.Store, now time.Time, out io.Writer) error {
	if err := seedDemoStaff(store, now); err != nil {
		return err
	}
	candidateID := demoCandidateID()
	if err := seedDemoCandidate(store, candidateID, now); err != nil {
		return err
	}
	exam, err := seedDemoExamOnce(store, now)
	if err != nil {
		return err
	}
	states, err := seedDemoStates(store, exam, now)
	if err != nil {
		return fmt.Errorf("demo candidates: %w", err)
	}
	printDemoCredentials(out, candidateID, states)
	return nil
}

// demoCandidateID is the demo candidate's 身份证号 (the login).
func demoCandidateID() string {
	return demoCandidateBody + string(domain.IDCheckDigit(demoCandidateBody))
}

// seedDemoStaff creates the demo administrator and reviewer.
func seedDemoStaff(store *kv.Store, now time.Time) error {
	staff := []struct {
		role        domain.Role
		login, name string
		departments []string
	}{
		{domain.RoleAdmin, demoAdminLogin, "系统管理员", nil},
		{domain.RoleReviewer, demoReviewerLogin, "审核员", []string{demoDepartmentName}},
	}
	for _, st := range staff {
		missing, err := loginMissing(store, strings.ToUpper(st.login))
		if err != nil {
			return err
		}
		if missing {
			if err := createStaff(store, st.role, st.login, st.name, demoPassword, st.departments, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedDemoCandidate creates the demo candidate (no photo, no application:
// the journey is his to walk).
func seedDemoCandidate(store *kv.Store, idNumber string, now time.Time) error {
	missing, err := loginMissing(store, idNumber)
	if err != nil || !missing {
		return err
	}
	_, err = createDemoCandidate(store, idNumber, "张三", now)
	return err
}

// seedDemoExamOnce creates the demo exam of the current year unless it exists.
func seedDemoExamOnce(store *kv.Store, now time.Time) (*domain.Exam, error) {
	exams, err := store.Exams()
	if err != nil {
		return nil, err
	}
	for _, e := range exams {
		if e.Code == demoExamCode(now) {
			return e, nil
		}
	}
	return seedDemoExam(store, now)
}

// printDemoCredentials lists every demo login; one password for all.
func printDemoCredentials(out io.Writer, candidateID string, states []demoStateLogin) {
	fmt.Fprintf(out, "\nexamreg demo accounts (password for all: %s)\n", demoPassword)
	fmt.Fprintf(out, "  管理员 admin     %s\n", demoAdminLogin)
	fmt.Fprintf(out, "  审核员 reviewer  %s（%s）\n", demoReviewerLogin, demoDepartmentName)
	fmt.Fprintf(out, "  考生 candidate   %s  张三：尚未报名\n", candidateID)
	for _, st := range states {
		fmt.Fprintf(out, "  考生 candidate   %s  %s：%s\n", st.login, st.name, st.state.Label())
	}
	fmt.Fprintln(out)
}

// loginMissing reports whether no account has the login name.
func loginMissing(store *kv.Store, login string) (bool, error) {
	_, err := store.AccountByLogin(login)
	switch domain.ErrorCode(err) {
	case "":
		return false, nil
	case domain.ENOTFOUND:
		return true, nil
	}
	return false, err
}

// createDemoCandidate registers a candidate the way registration does:
// name, sex and birth date from the 身份证号.
func createDemoCandidate(store *kv.Store, idNumber, name string, now time.Time) (*domain.Account, error) {
	id, err := domain.ParseIDNumber(idNumber, now)
	if err != nil {
		return nil, err
	}
	hash, err := hashDemoPassword()
	if err != nil {
		return nil, err
	}
	acct := &domain.Account{
		ID: kv.NewID(now), Role: domain.RoleCandidate, LoginName: id.Number, Name: name,
		Phone: "13800138000", PasswordHash: hash, BirthDate: id.BirthDateString(), Sex: id.Sex,
		CreatedAt: now, UpdatedAt: now,
	}
	return acct, store.CreateAccount(acct)
}

// seedDemoExam creates the demo exam with its two levels and about 200
// positions, with registration and review open now, and the announcement
// carrying the 职位表 exported by the system itself. Windows open at 9:00
// and close at 17:00 (office hours), Beijing time.
func seedDemoExam(store *kv.Store, now time.Time) (*domain.Exam, error) {
	y, m, d := now.In(domain.Shanghai).Date()
	at := func(days, hour int) time.Time { return time.Date(y, m, d+days, hour, 0, 0, 0, domain.Shanghai) }
	name := demoExamName(now)
	f := domain.ExamForm{
		Name:      name,
		Code:      demoExamCode(now),
		Levels:    "sz 省直机关\nds 市州机关",
		Subjects:  "公共基础知识\n案例分析与对策性论文写作",
		Fee:       "100",
		Pledge:    strings.ReplaceAll(demoPledge, "湖北省2023年度", fmt.Sprintf("湖北省%d年度", y)),
		Published: true,
		Windows: map[domain.WindowKind][2]string{
			domain.WindowRegistration: demoWindow(at(-5, 9), at(14, 17)),
			domain.WindowReview:       demoWindow(at(-5, 9), at(16, 17)),
			domain.WindowPayment:      demoWindow(at(17, 9), at(20, 17)),
			domain.WindowTicket:       demoWindow(at(25, 9), at(30, 17)),
			domain.WindowScore:        demoWindow(at(50, 9), at(80, 17)),
		},
	}
	exam := &domain.Exam{ID: kv.NewID(now)}
	if err := f.Apply(exam, now); err != nil {
		return nil, err
	}
	audit := kv.AuditEntry{At: now, ActorID: "demo", Action: "exam.create", Detail: "demo"}
	if err := store.SaveExam(exam, audit); err != nil {
		return nil, err
	}
	positions := demoPositions(exam, now)
	audit.Action = "position.import"
	if _, err := store.ImportPositions(exam.ID, positions, audit); err != nil {
		return nil, err
	}
	table, err := sheet.EncodePositions(store.PositionList(exam.ID), exam)
	if err != nil {
		return nil, err
	}
	notice := &domain.Notice{
		ID: kv.NewID(now), Title: name + "公告", Body: demoNoticeBody,
		AuthorID: "demo", CreatedAt: now, UpdatedAt: now,
	}
	file := kv.NewAttachment{
		Meta: kv.BlobMeta{ID: kv.NewID(now), Name: name + "职位表.xlsx",
			ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", OwnerID: "demo", CreatedAt: now},
		Data: table,
	}
	audit.Action = "notice.create"
	return exam, store.SaveNotice(notice, []kv.NewAttachment{file}, audit)
}

func demoWindow(start, end time.Time) [2]string {
	return [2]string{start.Format(domain.DatetimeLocal), end.Format(domain.DatetimeLocal)}
}

// demoPositions spreads about 200 positions over 20 departments of the two
// levels, with requirements varied deterministically.
func demoPositions(exam *domain.Exam, now time.Time) []domain.Position {
	type dept struct {
		name, level string
		n           int
	}
	depts := []dept{
		{demoDepartmentName, "sz", 10}, {"湖北省人民政府办公厅", "sz", 10}, {"湖北省发展和改革委员会", "sz", 12},
		{"湖北省教育厅", "sz", 10}, {"湖北省财政厅", "sz", 12}, {"湖北省自然资源厅", "sz", 10},
		{"湖北省生态环境厅", "sz", 10}, {"湖北省交通运输厅", "sz", 10}, {"湖北省农业农村厅", "sz", 10},
		{"湖北省商务厅", "sz", 8}, {"湖北省卫生健康委员会", "sz", 10}, {"湖北省审计厅", "sz", 10},
		{"中共武汉市委组织部", "ds", 10}, {"武汉市发展和改革委员会", "ds", 10}, {"宜昌市财政局", "ds", 10},
		{"襄阳市自然资源和规划局", "ds", 10}, {"荆州市生态环境局", "ds", 10}, {"黄石市人力资源和社会保障局", "ds", 8},
		{"十堰市交通运输局", "ds", 10}, {"孝感市审计局", "ds", 10},
	}
	offices := []string{"办公室", "政策法规处", "综合规划处", "财务处", "人事处", "信息中心", "督查室", "研究室"}
	titles := []string{"综合文字岗", "法制审核岗", "财务审计岗", "信息化建设岗", "政策研究岗", "综合管理岗", "项目管理岗", "统计分析岗", "党建工作岗", "规划编制岗"}
	majors := []string{"中国语言文学类、新闻传播学类", "法学类", "会计学、审计学、财务管理", "计算机类、电子信息类", "经济学类", "", "公共管理类、政治学类", "统计学类", "马克思主义理论类、政治学类", "城乡规划、地理科学类"}
	educations := []string{"大学本科及以上", "全日制大学本科及以上", "研究生", "大学本科及以上", ""}
	degrees := []string{"学士及以上", "学士及以上", "硕士及以上", "", "学士及以上"}
	politicals := []string{"中共党员", "", "中共党员", "", "中共党员（含预备党员）"}
	ranks := []string{"四级主任科员及以上", "一级科员及以上", "", "三级主任科员及以上"}
	others := []string{"", "需经常加班值班", "具有法律职业资格证书（A类）", "", "具有较强的文字综合能力"}
	ages := []int{35, 40, 35, 0, 38}
	years := []int{2, 2, 3, 5, 2}
	var list []domain.Position
	seq := map[string]int{}
	for di, d := range depts {
		for i := 0; i < d.n; i++ {
			k := di*7 + i*3
			seq[d.level]++
			prefix := "1420"
			if d.level == "ds" {
				prefix = "1421"
			}
			t := i % len(titles)
			list = append(list, domain.Position{
				ExamID: exam.ID, Code: fmt.Sprintf("%s%04d", prefix, seq[d.level]), Department: d.name,
				Employer: d.name + offices[(di+i)%len(offices)], Title: titles[t], LevelCode: d.level,
				Description: "从事" + strings.TrimSuffix(titles[t], "岗") + "相关工作",
				Quota:       1 + k%3, Education: educations[k%len(educations)], Degree: degrees[k%len(degrees)],
				Major: majors[t], MaxAge: ages[k%len(ages)], Political: politicals[(k/2)%len(politicals)],
				GrassrootsYears: years[k%len(years)], Rank: ranks[k%len(ranks)], Other: others[k%len(others)],
				Phone: fmt.Sprintf("027-8723%04d", 1000+di*10), UpdatedAt: now,
			})
		}
	}
	return list
}

const demoPledge = `本人郑重承诺：
一、本人已认真阅读《湖北省2023年度市州级以上机关公开遴选公务员公告》及相关政策规定，清楚并理解其内容，符合报考职位的资格条件。
二、本人所填报的个人信息和提交的材料真实、准确、完整，不隐瞒、不虚报；如有弄虚作假，自愿取消遴选资格并承担相应责任。
三、本人不存在公告所列不得报考的情形：试用期内，受处分期间或未满影响期限，近三年年度考核有基本称职及以下等次，其他法律法规规定不得报考的情形。
四、本人自觉遵守考试纪律，服从考试安排，不委托他人代报名，不以他人身份报名；违反规定的，愿按有关规定接受处理。
五、本人认真履行报考人员的各项义务，在规定时间内完成资格审核、缴费、打印准考证等事项，逾期自愿放弃。`

const demoNoticeBody = `根据《公务员法》和《公务员公开遴选办法》等规定，经研究，决定面向全省公开遴选市州级以上机关公务员。现将有关事项公告如下。
一、遴选计划：本次公开遴选分为省直机关和市州机关两个层级，具体职位及资格条件见附件职位表。
二、报名方式：报名采取网上报名方式，报考人员登录本系统注册、填报信息、选择职位并上传盖章的报名推荐表。每人限报一个职位。
三、资格审核：遴选机关在审核时间内对报考人员进行资格审核，审核结果可登录系统查询。
四、网上缴费：资格审核通过的报考人员须在规定时间内完成网上缴费，逾期未缴费视为自动放弃。
五、咨询电话：027-87710491（工作日 8:30-11:30、14:00-17:30）。`

// demoReviewers are two reviewers of different 遴选机关, so the review
// pages show that each sees only their own department's applications.
var demoReviewers = []struct{ login, name, department string }{
	{"shenhe1", "李审核", demoDepartmentName},
	{"shenhe2", "赵审核", "湖北省发展和改革委员会"},
}

// seedDemoReviewers adds whichever demo reviewer is missing and prints
// their credentials. Their password is the demo one and, unlike a reviewer
// an administrator creates, need not be changed at first login.
func seedDemoReviewers(store *kv.Store, now time.Time, out io.Writer) error {
	for _, r := range demoReviewers {
		missing, err := loginMissing(store, strings.ToUpper(r.login))
		if err != nil {
			return err
		}
		if missing {
			if err := createStaff(store, domain.RoleReviewer, r.login, r.name, demoPassword, []string{r.department}, now); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "examreg demo reviewers (password %s):\n", demoPassword)
	for _, r := range demoReviewers {
		fmt.Fprintf(out, "  审核员 %-8s: %s（%s）\n", r.login, r.name, r.department)
	}
	fmt.Fprintln(out)
	return nil
}
