package kv

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"examreg/domain"
)

// Score keys (issue 14):
//
//	v1/score/<examID>/<generation>/<positionCode>/<准考证号>  domain.ScoreRow of one import generation
//	v1/scoregen/<examID>/<generation>                        time of the import that wrote it; a
//	                                                         generation other than the exam's current
//	                                                         one (Exam.Scores.Generation) is garbage
const (
	prefixScore    = "v1/score/"
	prefixScoreGen = "v1/scoregen/"
)

func scoreGenPrefix(examID, gen string) string { return prefixScore + examID + "/" + gen + "/" }
func scorePosPrefix(examID, gen, code string) string {
	return scoreGenPrefix(examID, gen) + code + "/"
}
func scoreRowKey(examID, gen string, r *domain.ScoreRow) string {
	return scorePosPrefix(examID, gen, r.Position) + r.TicketNo
}
func scoreGenMarkerPrefix(examID string) string   { return prefixScoreGen + examID + "/" }
func scoreGenMarkerKey(examID, gen string) string { return scoreGenMarkerPrefix(examID) + gen }

// scoreBatch is how many score rows one transaction writes (~150 bytes
// each with its key: well under Badger's transaction limit).
const scoreBatch = 500

// scoreImportMu lets one score import of this process run at a time.
var scoreImportMu sync.Mutex

// TicketHolders maps every 准考证号 of the exam to its application and the
// application's position, with the seat run's id: an import checks its
// rows against it. Two raw index scans (准考证号 → application, position →
// applications), no record decoded: 100,000 numbers in a fraction of a second.
func (s *Store) TicketHolders(examID string) (m map[string]domain.TicketHolder, runID string, err error) {
	err = s.View(func(tx *Tx) error {
		m, runID, err = tx.ticketHolders(examID)
		return err
	})
	return m, runID, err
}

func (tx *Tx) ticketHolders(examID string) (map[string]domain.TicketHolder, string, error) {
	posOf := map[string]string{}
	prefix := prefixAppPos + examID + "/"
	if err := tx.Scan(prefix, ScanOptions{KeysOnly: true}, func(k string, _ []byte) error {
		if code, appID, ok := strings.Cut(k[len(prefix):], "/"); ok {
			posOf[appID] = code
		}
		return nil
	}); err != nil {
		return nil, "", err
	}
	m := map[string]domain.TicketHolder{}
	prefix = seatNoPrefix(examID)
	if err := tx.Scan(prefix, ScanOptions{}, func(k string, v []byte) error {
		appID := string(v)
		if code, ok := posOf[appID]; ok {
			m[k[len(prefix):]] = domain.TicketHolder{AppID: appID, Position: code}
		}
		return nil
	}); err != nil {
		return nil, "", err
	}
	var run domain.SeatRun
	if err := tx.Get(seatRunKey(examID), &run); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, "", err
	}
	return m, run.ID, nil
}

// ScoreImportResult is what an import changed.
type ScoreImportResult struct {
	Before, After int // rows of the replaced and of the new score set
	Generation    string
}

// ImportScores replaces the exam's score set with rows (decoded and
// checked by sheet.DecodeScores against TicketHolders) as a whole.
//
// 100,000 rows do not fit one transaction, so they are written as a new
// generation in batches, invisible to every reader, and the final
// transaction switches Exam.Scores.Generation to it with the audit entry
// (before/after counts). A failure before that switch leaves the previous
// set in place; the unfinished generation is removed by the next import.
// The generation replaced is removed after the switch.
//
// Refused before anything is written: domain.CheckScoreImport; rows that no
// longer match the exam's seats (a new seat assignment since the file was
// checked: ECONFLICT, also checked again in the final transaction).
func (s *Store) ImportScores(examID string, rows []domain.ScoreRow, fileName string, actor *domain.Account, ip string, now time.Time) (*ScoreImportResult, error) {
	scoreImportMu.Lock()
	defer scoreImportMu.Unlock()
	if err := s.removeStaleScoreGenerations(examID); err != nil {
		return nil, err
	}
	var exam *domain.Exam
	var holders map[string]domain.TicketHolder
	var runID string
	err := s.View(func(tx *Tx) error {
		var err error
		if exam, err = tx.Exam(examID); err != nil {
			return err
		}
		holders, runID, err = tx.ticketHolders(examID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := domain.CheckScoreImport(exam, len(holders)); err != nil {
		return nil, err
	}
	for i := range rows {
		if h, ok := holders[rows[i].TicketNo]; !ok || h.AppID != rows[i].AppID || h.Position != rows[i].Position {
			return nil, domain.Errorf(domain.ECONFLICT, "考场编排在检查成绩表后发生了变化（准考证号 %s），请重新导入。", rows[i].TicketNo)
		}
	}
	gen := NewID(now)
	if err := s.Update(func(tx *Tx) error { return tx.Put(scoreGenMarkerKey(examID, gen), now) }); err != nil {
		return nil, err
	}
	for start := 0; start < len(rows); start += scoreBatch {
		batch := rows[start:min(start+scoreBatch, len(rows))]
		if err := s.Update(func(tx *Tx) error {
			for i := range batch {
				if err := tx.Put(scoreRowKey(examID, gen, &batch[i]), &batch[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	res := &ScoreImportResult{After: len(rows), Generation: gen}
	err = s.Update(func(tx *Tx) error {
		e, err := tx.Exam(examID)
		if err != nil {
			return err
		}
		var run domain.SeatRun
		if err := tx.Get(seatRunKey(examID), &run); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if run.ID != runID {
			return domain.Errorf(domain.ECONFLICT, "导入期间考场编排发生了变化，成绩未导入，请重新导入。")
		}
		res.Before = e.Scores.Rows
		verb := "导入"
		if e.Scores.Generation != "" {
			verb = "重新导入（整体替换）"
		}
		e.Scores.Generation, e.Scores.Rows, e.Scores.ImportedAt, e.Scores.ImportedFile = gen, len(rows), now, fileName
		if err := tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "scores.import", Target: examID, IP: ip,
			Detail: fmt.Sprintf("%s笔试成绩 %s：原 %d 条 → 现 %d 条", verb, fileName, res.Before, res.After)}); err != nil {
			return err
		}
		return tx.PutExam(e)
	})
	if err != nil {
		return nil, err
	}
	// The replaced set is garbage now; a failure here leaves it for the next import.
	_ = s.removeStaleScoreGenerations(examID)
	return res, nil
}

// removeStaleScoreGenerations deletes every generation of the exam's
// scores but the current one, in batches.
func (s *Store) removeStaleScoreGenerations(examID string) error {
	var current string
	var gens []string
	err := s.View(func(tx *Tx) error {
		e, err := tx.Exam(examID)
		if err != nil {
			return err
		}
		current = e.Scores.Generation
		p := scoreGenMarkerPrefix(examID)
		return tx.Scan(p, ScanOptions{KeysOnly: true}, func(k string, _ []byte) error {
			if g := k[len(p):]; g != current {
				gens = append(gens, g)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, g := range gens {
		if err := s.deletePrefixInBatches(scoreGenPrefix(examID, g), scoreBatch); err != nil {
			return err
		}
		if err := s.Update(func(tx *Tx) error { return tx.Delete(scoreGenMarkerKey(examID, g)) }); err != nil {
			return err
		}
	}
	return nil
}

// SaveScoreRules stores the 成绩管理 settings of an exam: scoring rules
// and the 成绩查询 window, as domain.DecideScoreRules decides, with an
// audit entry of what changed.
func (s *Store) SaveScoreRules(examID string, f domain.ScoreRulesForm, actor *domain.Account, ip string, now time.Time) error {
	return s.Update(func(tx *Tx) error {
		e, err := tx.Exam(examID)
		if err != nil {
			return err
		}
		rules, w, err := domain.DecideScoreRules(e, f, now)
		if err != nil {
			return err
		}
		old := *e
		e.Scores, e.Score, e.UpdatedAt = rules, w, now
		if err := tx.AppendAudit(AuditEntry{At: now, ActorID: actor.ID, Action: "scores.rules", Target: examID, IP: ip,
			Detail: withChanges("成绩规则", AuditChanges(&old, e, "updated_at"))}); err != nil {
			return err
		}
		return tx.PutExam(e)
	})
}

// scoreRows reads the rows of the exam's current generation under prefix
// (one position, or all).
func (tx *Tx) scoreRows(prefix string) (rows []domain.ScoreRow, err error) {
	err = tx.Scan(prefix, ScanOptions{}, func(_ string, v []byte) error {
		var r domain.ScoreRow
		if err := jsonUnmarshal(v, &r); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// PositionScores ranks one position of the exam's current score set and
// draws its 资格复审/面试 list (domain.RankPosition) from its rows alone:
// a candidate's page reads one position, never the whole set.
func (s *Store) PositionScores(e *domain.Exam, code string) (domain.PositionResult, error) {
	var rows []domain.ScoreRow
	if e.Scores.Generation != "" {
		if err := s.View(func(tx *Tx) (err error) {
			rows, err = tx.scoreRows(scorePosPrefix(e.ID, e.Scores.Generation, code))
			return err
		}); err != nil {
			return domain.PositionResult{}, err
		}
	}
	p, _ := s.Position(e.ID, code)
	return domain.RankPosition(code, p.Quota, rows, e.ScoreSubjects(), &e.Scores), nil
}

// ScoreResults ranks every position of the exam's current score set
// (domain.RankAll): the preview, the lists and their export.
func (s *Store) ScoreResults(e *domain.Exam) ([]domain.PositionResult, error) {
	if e.Scores.Generation == "" {
		return nil, nil
	}
	var rows []domain.ScoreRow
	if err := s.View(func(tx *Tx) (err error) {
		rows, err = tx.scoreRows(scoreGenPrefix(e.ID, e.Scores.Generation))
		return err
	}); err != nil {
		return nil, err
	}
	quotas := map[string]int{}
	for _, p := range s.PositionList(e.ID) {
		quotas[p.Code] = p.Quota
	}
	return domain.RankAll(rows, quotas, e.ScoreSubjects(), &e.Scores), nil
}

// TicketApplication finds the application holding a 准考证号 of the exam
// with its seat and candidate account; ENOTFOUND when there is none.
func (s *Store) TicketApplication(examID, ticketNo string) (app *domain.Application, seat *domain.Seat, acct *domain.Account, err error) {
	err = s.View(func(tx *Tx) error {
		if seat, err = tx.seatByNumber(examID, strings.TrimSpace(ticketNo)); err != nil {
			return err
		}
		if app, err = tx.Application(seat.AppID); err != nil {
			return err
		}
		acct, err = tx.Account(app.CandidateID)
		return err
	})
	return app, seat, acct, err
}

// scoreQueryKey is the throttle record of public queries for one 准考证号
// (in the login throttle's key space, never a login name: it has a '/').
func scoreQueryKey(examID, ticketNo string) string { return "score/" + examID + "/" + ticketNo }

// CheckScoreQuery answers whether a public query for the 准考证号 may be
// checked now (domain.CheckScoreQuery).
func (s *Store) CheckScoreQuery(examID, ticketNo string, now time.Time) error {
	t, err := s.LoginThrottle(scoreQueryKey(examID, ticketNo))
	if err != nil {
		return err
	}
	return domain.CheckScoreQuery(t, now)
}

// RecordScoreQueryFailure counts a public query that did not pass (no such
// number or a wrong 身份证号: counted alike, so the delays say nothing).
func (s *Store) RecordScoreQueryFailure(examID, ticketNo string, now time.Time) error {
	return s.Update(func(tx *Tx) error {
		key := throttleKey(scoreQueryKey(examID, ticketNo))
		var t domain.LoginThrottle
		if err := tx.Get(key, &t); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		b, err := json.Marshal(t.AfterFailure(now))
		if err != nil {
			return err
		}
		return tx.putRawTTL(key, b, domain.LoginFailureMemory)
	})
}

// CandidateNames returns the 姓名 of each application's candidate (lists
// and their export); an application or account gone is left out.
func (s *Store) CandidateNames(appIDs []string) (map[string]string, error) {
	names := make(map[string]string, len(appIDs))
	err := s.View(func(tx *Tx) error {
		for _, id := range appIDs {
			a, err := tx.Application(id)
			if err != nil {
				continue
			}
			if acct, err := tx.Account(a.CandidateID); err == nil {
				names[id] = acct.Name
			}
		}
		return nil
	})
	return names, err
}
