package main

import (
	"time"

	"examreg/domain"
	"examreg/handlers"
	"examreg/kv"
)

// demoInvigilatorLogin is the demo 监考 account, scoped to 考点 01 of the demo exam.
const demoInvigilatorLogin = "jiankao1"

const demoInstructions = `一、考生须凭本准考证和有效居民身份证参加考试，两证缺一不得入场。
二、考生须在开考前 30 分钟到达考场，开考 30 分钟后不得入场，考试结束前不得交卷离场。
三、考生只准携带黑色墨水笔、2B 铅笔和橡皮，严禁携带手机等通讯工具进入考场。
四、请妥善保管准考证，入场时须出示准考证上的二维码供监考人员核验。`

// seedDemoTickets gives the demo exam its 准考证 settings, one 考点 with
// five 考场 and a 监考 account, each only when missing, so -demo stays safe
// on every start. (Seats are assigned by the administrator once candidates
// have paid.)
func seedDemoTickets(store *kv.Store, exam *domain.Exam, now time.Time) error {
	audit := kv.AuditEntry{At: now, ActorID: "demo", Action: "ticket.settings", Detail: "demo"}
	settings, err := store.TicketSettings(exam.ID)
	if err != nil {
		return err
	}
	if settings.ExamNo == "" {
		// The 考试代码 is the exam's year (its code starts with it: 2026HBLX).
		t := &domain.TicketSettings{ExamID: exam.ID, ExamNo: exam.Code[:4], Instructions: demoInstructions}
		// The 笔试 is the day after printing closes: one subject each half day.
		day := exam.Ticket.End.In(domain.Shanghai).AddDate(0, 0, 1).Format("2006-01-02")
		for i, subject := range exam.Subjects {
			if i < 2 {
				t.Schedule = append(t.Schedule, domain.SubjectSlot{Subject: subject, Date: day, Start: []string{"09:00", "14:30"}[i], End: []string{"11:30", "17:00"}[i]})
			}
		}
		if err := t.Validate(); err != nil {
			return err
		}
		if err := store.SaveTicketSettings(t, audit, now); err != nil {
			return err
		}
	}
	venues, err := store.Venues(exam.ID)
	if err != nil {
		return err
	}
	if len(venues) == 0 {
		v, err := domain.VenueInput{No: "1", Name: "武汉市第一中学", Address: "武汉市江岸区胜利街 1 号",
			Transport: "地铁 1 号线 大智路站 C 出口步行 5 分钟", Rooms: "1\n2\n3\n4\n5"}.Validate()
		if err != nil {
			return err
		}
		v.ExamID = exam.ID
		audit.Action = "venue.create"
		if err := store.SaveVenue(v, true, audit, now); err != nil {
			return err
		}
	}
	missing, err := loginMissing(store, "JIANKAO1")
	if err != nil {
		return err
	}
	if missing {
		hash, err := handlers.HashPassword(demoPassword)
		if err != nil {
			return err
		}
		if err := store.CreateAccount(&domain.Account{ID: kv.NewID(now), Role: domain.RoleInvigilator, LoginName: "JIANKAO1", Name: "监考员",
			PasswordHash: hash, Venue: domain.VenueScope(exam.ID, 1), CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}
