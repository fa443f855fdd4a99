package kv

import (
	"time"

	"examreg/domain"
)

// The candidate's actions on an application. Each owns one transaction:
// it loads the application, its exam and the candidate's account, checks
// the owner and the version the page was rendered with, calls one
// decision function in domain (which changes the application or says why
// not), then writes the record with its indexes and counts, deletes the
// blob the decision let go. The application's own history records who
// did what when (reviewers' and staff actions also go to the audit log).
// Nothing is written when the decision refuses. The review decision is
// ReviewApplication (apply_review.go), the photo SavePendingPhoto (apply.go).

// CandidateAct names the application a candidate acts on: the one the
// page showed (AppID, Version) for the signed-in CandidateID, at Now.
type CandidateAct struct {
	AppID       string
	CandidateID string
	Version     int
	Now         time.Time
}

// candidateDecision decides a candidate's step on the loaded records and
// returns the blob it let go ("" for none).
type candidateDecision func(tx *Tx, a *domain.Application, exam *domain.Exam, acct *domain.Account) (drop string, err error)

// candidateAction runs decide on the fresh application in one
// transaction, as described above.
func (s *Store) candidateAction(act CandidateAct, decide candidateDecision) (*domain.Application, error) {
	return s.UpdateApplication(act.AppID, func(tx *Tx, a *domain.Application) error {
		if a.CandidateID != act.CandidateID {
			return domain.Errorf(domain.EFORBIDDEN, "无权操作该报名。")
		}
		if err := domain.CheckVersion(a, act.Version); err != nil {
			return err
		}
		exam, err := tx.Exam(a.ExamID)
		if err != nil {
			return err
		}
		acct, err := tx.Account(a.CandidateID)
		if err != nil {
			return err
		}
		drop, err := decide(tx, a, exam, acct)
		if err != nil || drop == "" {
			return err
		}
		return tx.DeleteBlob(drop)
	})
}

// StartApplication is 选择报考层级 for a candidate without an application
// to the exam: it creates one. One per candidate per exam, by the unique
// index in the same transaction (ECONFLICT for a double click or a second
// tab).
func (s *Store) StartApplication(candidateID, examID, level string, now time.Time) (app *domain.Application, err error) {
	err = s.Update(func(tx *Tx) error {
		exam, err := tx.Exam(examID)
		if err != nil {
			return err
		}
		a, err := domain.NewApplication(NewID(now), exam, candidateID, level, now)
		if err != nil {
			return err
		}
		if err := tx.createApplication(a); err != nil {
			return err
		}
		app = a
		return nil
	})
	return app, err
}

// ChangeLevel changes the 报考层级 before a position is chosen.
func (s *Store) ChangeLevel(act CandidateAct, level string) (*domain.Application, error) {
	return s.candidateAction(act, func(_ *Tx, a *domain.Application, exam *domain.Exam, _ *domain.Account) (string, error) {
		return "", domain.ChangeLevel(a, exam, level, act.Now)
	})
}

// AcceptPledge is 接受报考承诺书 of the given text version, from ip.
func (s *Store) AcceptPledge(act CandidateAct, pledgeVersion int, ip string) (*domain.Application, error) {
	return s.candidateAction(act, func(_ *Tx, a *domain.Application, exam *domain.Exam, acct *domain.Account) (string, error) {
		return "", domain.AcceptPledge(a, exam, acct, pledgeVersion, ip, act.Now)
	})
}

// SaveForm saves the given sections of 填报信息 from posted (a draft).
func (s *Store) SaveForm(act CandidateAct, sections []string, posted domain.ApplicationForm) (*domain.Application, error) {
	return s.candidateAction(act, func(_ *Tx, a *domain.Application, exam *domain.Exam, acct *domain.Account) (string, error) {
		return "", domain.SaveForm(a, exam, domain.BirthOf(acct), sections, posted, act.Now)
	})
}

// ChoosePosition is 保存 on 选择职位 (改报 after 审核不通过); ack confirms the
// requirements the reviewer checks.
func (s *Store) ChoosePosition(act CandidateAct, code string, ack bool) (*domain.Application, error) {
	return s.candidateAction(act, func(tx *Tx, a *domain.Application, exam *domain.Exam, acct *domain.Account) (string, error) {
		pos, err := tx.optionalPosition(a.ExamID, code)
		if err != nil {
			return "", err
		}
		return domain.ChoosePosition(a, exam, acct, code, pos, ack, act.Now)
	})
}

// ConfirmApplication is 报名信息确认: the photo is frozen into the application.
func (s *Store) ConfirmApplication(act CandidateAct) (*domain.Application, error) {
	return s.candidateAction(act, func(tx *Tx, a *domain.Application, exam *domain.Exam, acct *domain.Account) (string, error) {
		pos, err := tx.optionalPosition(a.ExamID, a.PositionCode)
		if err != nil {
			return "", err
		}
		return domain.Confirm(a, exam, acct, pos, act.Now)
	})
}

// UploadRecommendation stores the checked 推荐表 PDF as a new blob owned by
// the candidate, in place of an earlier one (deleted in the same transaction).
func (s *Store) UploadRecommendation(act CandidateAct, name string, pdf []byte) (*domain.Application, error) {
	return s.candidateAction(act, func(tx *Tx, a *domain.Application, exam *domain.Exam, acct *domain.Account) (string, error) {
		id := NewID(act.Now)
		drop, err := domain.UploadRecommendation(a, exam, acct.ID, id, name, act.Now)
		if err != nil {
			return "", err
		}
		return drop, tx.PutBlob(BlobMeta{ID: id, Name: name, ContentType: "application/pdf", OwnerID: a.CandidateID, CreatedAt: act.Now}, pdf)
	})
}

// ConfirmMaterials is 材料确认: the application goes to 待审核.
func (s *Store) ConfirmMaterials(act CandidateAct) (*domain.Application, error) {
	return s.candidateAction(act, func(_ *Tx, a *domain.Application, exam *domain.Exam, acct *domain.Account) (string, error) {
		return "", domain.ConfirmMaterials(a, exam, acct.ID, act.Now)
	})
}

// optionalPosition loads a position of the exam; nil (no error) when
// there is no such position or code is empty.
func (tx *Tx) optionalPosition(examID, code string) (*domain.Position, error) {
	if code == "" {
		return nil, nil
	}
	p, err := tx.Position(examID, code)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, nil
	}
	return p, err
}
