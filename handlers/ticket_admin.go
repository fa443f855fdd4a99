package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"examreg/domain"
	"examreg/kv"
	"examreg/views"
)

// adminVenues is 考点考场与考场编排 of one exam: 准考证 settings, venues, the seat run.
func (s *Server) adminVenues(c *fiber.Ctx) error {
	return s.venuesPage(c, fiber.StatusOK, nil, nil)
}

// venuesPage renders the page; settings (as typed) and err re-show a refused form.
func (s *Server) venuesPage(c *fiber.Ctx, status int, typed *domain.TicketSettings, err error) error {
	exam, lerr := s.store.Exam(c.Params("id"))
	if lerr != nil {
		return lerr
	}
	tok, lerr := s.csrfToken(c)
	if lerr != nil {
		return lerr
	}
	venues, lerr := s.store.Venues(exam.ID)
	if lerr != nil {
		return lerr
	}
	settings, lerr := s.store.TicketSettings(exam.ID)
	if lerr != nil {
		return lerr
	}
	if typed != nil {
		settings = typed
	}
	run, lerr := s.store.SeatRun(exam.ID)
	if lerr != nil {
		return lerr
	}
	paid, lerr := s.store.SeatCandidateCount(exam.ID)
	if lerr != nil {
		return lerr
	}
	p := views.AdminVenuesProps{CSRF: tok, ExamID: exam.ID, ExamName: exam.Name, Run: run, Paid: paid, ExamNo: settings.ExamNo, Instructions: settings.Instructions,
		Schedule: settings.ScheduleText, Subjects: exam.Subjects}
	if typed == nil {
		p.Schedule = domain.ScheduleText(settings.Schedule)
	}
	att, lerr := s.store.Attendance(exam.ID)
	if lerr != nil {
		return lerr
	}
	for _, v := range venues {
		row := views.VenueRow{No: v.No, Name: v.Name, Address: v.Address, Rooms: v.Rooms, Seats: v.Seats(), Attendance: map[int][2]int{}}
		for _, r := range v.Rooms {
			if a, ok := att[kv.RoomKey{Venue: v.No, Room: r.No}]; ok {
				row.Attendance[r.No] = [2]int{a.Seated, a.CheckedIn}
				row.Seated += a.Seated
				row.Checkedin += a.CheckedIn
			}
		}
		p.Venues = append(p.Venues, row)
		p.Seats += v.Seats()
	}
	if err != nil {
		p.Error, p.Fields = domain.ErrorMessage(err), domain.ErrorFields(err)
	}
	return s.page(c, status, "考点考场", "admin", views.AdminVenuesPage(p), nil)
}

// refusedOr re-renders the venues page for a domain refusal (4xx), or passes
// an internal error on.
func (s *Server) refusedOr(c *fiber.Ctx, typed *domain.TicketSettings, err error) error {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ECONFLICT, domain.EFORBIDDEN:
		return s.venuesPage(c, statusOf(domain.ErrorCode(err)), typed, err)
	}
	return err
}

// saveTicketSettings saves the 考试代码 and 考生须知.
func (s *Server) saveTicketSettings(c *fiber.Ctx) error {
	t := &domain.TicketSettings{ExamID: param(c, "id"), ExamNo: formValue(c, "exam_no"), Instructions: formValue(c, "instructions"),
		ScheduleText: formValue(c, "schedule")}
	sched, serr := domain.ParseSchedule(t.ScheduleText)
	t.Schedule = sched
	if err := joinFieldErrors(t.Validate(), serr); err != nil {
		return s.refusedOr(c, t, err)
	}
	if err := s.store.SaveTicketSettings(t, s.staffAudit(c, "ticket.settings", ""), s.now()); err != nil {
		return s.refusedOr(c, t, err)
	}
	return s.redirectFlash(c, "/admin/exams/"+t.ExamID+"/venues", "ok", "准考证设置已保存。")
}

// joinFieldErrors merges the field messages of two validations (nil when both passed).
func joinFieldErrors(errs ...error) error {
	fe := domain.FieldErrors{}
	for _, err := range errs {
		if err == nil {
			continue
		}
		fields := domain.ErrorFields(err)
		if len(fields) == 0 {
			return err
		}
		for k, v := range fields {
			fe.Add(k, v)
		}
	}
	return fe.Err()
}

// assignSeats runs (or resumes) the seat assignment with the typed seed or a random one.
func (s *Server) assignSeats(c *fiber.Ctx) error {
	examID := param(c, "id")
	var seed uint64
	if typed := formValue(c, "seed"); typed != "" {
		n, err := strconv.ParseUint(typed, 10, 64)
		if err != nil {
			return s.refusedOr(c, nil, domain.FieldError("seed", "随机种子须为不超过 20 位的非负整数。"))
		}
		seed = n
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = binary.BigEndian.Uint64(b[:]) >> 1
	}
	run, err := s.store.AssignSeats(examID, account(c), seed, s.now())
	if err != nil {
		return s.refusedOr(c, nil, err)
	}
	return s.redirectFlash(c, "/admin/exams/"+examID+"/venues", "ok",
		fmt.Sprintf("考场编排完成：%d 名考生，随机种子 %d（已记录）。", run.Written, run.Seed))
}

func venueInput(c *fiber.Ctx) domain.VenueInput {
	return domain.VenueInput{No: formValue(c, "no"), Name: formValue(c, "name"), Address: formValue(c, "address"),
		Transport: formValue(c, "transport"), Rooms: strings.Clone(c.FormValue("rooms"))}
}

func (s *Server) venueForm(c *fiber.Ctx, status int, p views.VenueFormProps) error {
	tok, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	p.CSRF, p.ExamID = tok, param(c, "id")
	if p.Edit {
		list, err := s.store.AccountsByRole(domain.RoleInvigilator)
		if err != nil {
			return err
		}
		no, _ := strconv.Atoi(p.In.No)
		for _, a := range list {
			if a.Venue == domain.VenueScope(p.ExamID, no) {
				p.Invigilators = append(p.Invigilators, staffRow(a))
			}
		}
	}
	return s.page(c, status, "考点", "admin", views.VenueFormPage(p), nil)
}

// newVenue shows an empty 考点 form.
func (s *Server) newVenue(c *fiber.Ctx) error {
	if _, err := s.store.Exam(c.Params("id")); err != nil {
		return err
	}
	return s.venueForm(c, fiber.StatusOK, views.VenueFormProps{In: domain.VenueInput{Rooms: "1 30\n2 30\n"}})
}

// venueParam loads the venue named in the URL.
func (s *Server) venueParam(c *fiber.Ctx) (*domain.Venue, error) {
	no, err := strconv.Atoi(c.Params("no"))
	if err != nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "考点不存在。")
	}
	return s.store.Venue(c.Params("id"), no)
}

// editVenue shows a 考点's form and its invigilators.
func (s *Server) editVenue(c *fiber.Ctx) error {
	v, err := s.venueParam(c)
	if err != nil {
		return err
	}
	return s.venueForm(c, fiber.StatusOK, views.VenueFormProps{Edit: true, In: domain.VenueInput{
		No: strconv.Itoa(v.No), Name: v.Name, Address: v.Address, Transport: v.Transport, Rooms: domain.RoomsText(v.Rooms)}})
}

// createVenue and updateVenue save a 考点 (checked by domain.VenueInput).
func (s *Server) createVenue(c *fiber.Ctx) error { return s.saveVenue(c, false) }

func (s *Server) updateVenue(c *fiber.Ctx) error {
	v, err := s.venueParam(c)
	if err != nil {
		return err
	}
	in := venueInput(c)
	in.No = strconv.Itoa(v.No) // the number is part of issued 准考证号: never changed by a form
	return s.saveVenueInput(c, in, true)
}

func (s *Server) saveVenue(c *fiber.Ctx, edit bool) error {
	if _, err := s.store.Exam(c.Params("id")); err != nil {
		return err
	}
	return s.saveVenueInput(c, venueInput(c), edit)
}

func (s *Server) saveVenueInput(c *fiber.Ctx, in domain.VenueInput, edit bool) error {
	retry := func(err error) error {
		return s.venueForm(c, statusOf(domain.ErrorCode(err)), views.VenueFormProps{Edit: edit, In: in, Error: domain.ErrorMessage(err), Fields: domain.ErrorFields(err)})
	}
	v, err := in.Validate()
	if err != nil {
		return retry(err)
	}
	v.ExamID = param(c, "id")
	action := "venue.create"
	if edit {
		action = "venue.update"
	}
	if err := s.store.SaveVenue(v, !edit, s.staffAudit(c, action, ""), s.now()); err != nil {
		if code := domain.ErrorCode(err); code == domain.EINVALID || code == domain.ECONFLICT {
			return retry(err)
		}
		return err
	}
	return s.redirectFlash(c, "/admin/exams/"+v.ExamID+"/venues", "ok", fmt.Sprintf("考点 %02d 已保存。", v.No))
}

// deleteVenue removes a 考点.
func (s *Server) deleteVenue(c *fiber.Ctx) error {
	v, err := s.venueParam(c)
	if err != nil {
		return err
	}
	if err := s.store.RemoveVenue(v.ExamID, v.No, s.staffAudit(c, "venue.delete", ""), s.now()); err != nil {
		return s.refusedOr(c, nil, err)
	}
	return s.redirectFlash(c, "/admin/exams/"+v.ExamID+"/venues", "ok", "考点已删除。")
}

// createInvigilator makes a 监考 account scoped to the venue, through the
// staff-account action; its initial password must be changed at first login.
func (s *Server) createInvigilator(c *fiber.Ctx) error {
	v, err := s.venueParam(c)
	if err != nil {
		return err
	}
	in := domain.InvigilatorInput{Name: formValue(c, "name"), Login: formValue(c, "login"), Password: strings.Clone(c.FormValue("password"))}
	retry := func(err error) error {
		return s.venueForm(c, statusOf(domain.ErrorCode(err)), views.VenueFormProps{Edit: true,
			In:  domain.VenueInput{No: strconv.Itoa(v.No), Name: v.Name, Address: v.Address, Transport: v.Transport, Rooms: domain.RoomsText(v.Rooms)},
			Inv: domain.InvigilatorInput{Name: in.Name, Login: in.Login}, InvError: domain.ErrorMessage(err), InvFields: domain.ErrorFields(err)})
	}
	if err := in.Validate(); err != nil {
		return retry(err)
	}
	hash, err := s.hashPassword(in.Password)
	if err != nil {
		return err
	}
	now := s.now()
	a := &domain.Account{ID: kv.NewID(now), Role: domain.RoleInvigilator, LoginName: strings.ToUpper(in.Login), Name: strings.TrimSpace(in.Name),
		PasswordHash: hash, Venue: domain.VenueScope(v.ExamID, v.No), MustChangePassword: true, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateStaffAccount(a, s.staffAudit(c, "account.create", "")); err != nil {
		if code := domain.ErrorCode(err); code == domain.EINVALID || code == domain.ECONFLICT {
			return retry(&domain.Error{Code: domain.ECONFLICT, Message: domain.ErrorMessage(err), Fields: domain.ErrorFields(err)})
		}
		return err
	}
	return s.redirectFlash(c, fmt.Sprintf("/admin/exams/%s/venues/%d", v.ExamID, v.No), "ok", "已创建监考账号 "+a.LoginName+"。")
}

// editVenueProps is the venue's edit form as stored, for re-showing it with a message.
func editVenueProps(v *domain.Venue) views.VenueFormProps {
	return views.VenueFormProps{Edit: true, In: domain.VenueInput{
		No: strconv.Itoa(v.No), Name: v.Name, Address: v.Address, Transport: v.Transport, Rooms: domain.RoomsText(v.Rooms)}}
}

// setInvigilatorDisabled returns the handler that disables (true) or
// re-enables a 监考 account of the venue.
func (s *Server) setInvigilatorDisabled(disabled bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v, err := s.venueParam(c)
		if err != nil {
			return err
		}
		a, err := s.store.SetInvigilatorDisabled(v.ExamID, v.No, param(c, "acct"), disabled, account(c), s.now())
		if err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				p := editVenueProps(v)
				p.InvError = domain.ErrorMessage(err)
				return s.venueForm(c, fiber.StatusConflict, p)
			}
			return err
		}
		msg := "监考账号 " + a.LoginName + " 已重新启用。"
		if disabled {
			msg = "监考账号 " + a.LoginName + " 已停用，不能再登录和签到。"
		}
		return s.redirectFlash(c, fmt.Sprintf("/admin/exams/%s/venues/%d", v.ExamID, v.No), "ok", msg)
	}
}

// resetInvigilatorPassword sets a 监考 account's password to the one typed
// (checked like any password); it must be changed at the next login.
func (s *Server) resetInvigilatorPassword(c *fiber.Ctx) error {
	v, err := s.venueParam(c)
	if err != nil {
		return err
	}
	id := param(c, "acct")
	password := strings.Clone(c.FormValue("password"))
	if err := domain.ValidatePassword(password, ""); err != nil {
		p := editVenueProps(v)
		p.ResetID, p.ResetError = id, domain.ErrorMessage(err)
		return s.venueForm(c, fiber.StatusUnprocessableEntity, p)
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	a, err := s.store.ResetInvigilatorPassword(v.ExamID, v.No, id, hash, account(c), s.now())
	if err != nil {
		return err
	}
	return s.redirectFlash(c, fmt.Sprintf("/admin/exams/%s/venues/%d", v.ExamID, v.No), "ok", "监考账号 "+a.LoginName+" 的密码已重置，首次登录须修改。")
}

// rosterOf loads one room's seats for the sheet and the .xlsx.
func (s *Server) rosterOf(c *fiber.Ctx) (*domain.Exam, *domain.Venue, int, []kv.RosterEntry, error) {
	v, err := s.venueParam(c)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	room, err := strconv.Atoi(c.Params("room"))
	if _, ok := v.Room(room); err != nil || !ok {
		return nil, nil, 0, nil, domain.Errorf(domain.ENOTFOUND, "考场不存在。")
	}
	exam, err := s.store.Exam(v.ExamID)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	list, err := s.store.Roster(v.ExamID, v.No, room)
	return exam, v, room, list, err
}

// showRoster is one room's 考场座次表/签到表, printable.
func (s *Server) showRoster(c *fiber.Ctx) error {
	exam, v, room, list, err := s.rosterOf(c)
	if err != nil {
		return err
	}
	p := views.RosterProps{ExamID: exam.ID, ExamName: exam.Name, VenueNo: v.No, VenueName: v.Name, RoomNo: room}
	for _, e := range list {
		row := views.RosterRow{SeatNo: e.Seat.SeatNo, TicketNo: e.Seat.TicketNo, Name: e.Name, Sex: e.Sex, IDNumber: e.IDNumber, Position: e.Position}
		if !e.CheckedIn.IsZero() {
			row.CheckedIn = domain.FormatTime(e.CheckedIn)
			p.CheckedIn++
		}
		row.PhotoURL = s.photoDataURL(e.PhotoID)
		p.Rows = append(p.Rows, row)
	}
	return s.page(c, fiber.StatusOK, "考场座次表", "admin", views.RosterPage(p), nil)
}

// photoDataURL inlines a stored photo (a ~10-30 KB JPEG) so a sheet or a
// check-in result needs no second, separately authorised request.
func (s *Server) photoDataURL(id string) string {
	if id == "" {
		return ""
	}
	_, data, err := s.store.Blob(id)
	if err != nil {
		return ""
	}
	return "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(data)
}

// exportRoster downloads one room's sheet as .xlsx (no photos: a list to sign).
func (s *Server) exportRoster(c *fiber.Ctx) error {
	exam, v, room, list, err := s.rosterOf(c)
	if err != nil {
		return err
	}
	book := excelize.NewFile()
	defer book.Close()
	sheet := "Sheet1"
	title := fmt.Sprintf("%s 考点%02d %s 第%03d考场 座次表（签到表）", exam.Name, v.No, v.Name, room)
	_ = book.SetCellValue(sheet, "A1", title)
	header := []any{"座位号", "准考证号", "姓名", "性别", "身份证号", "职位代码", "签到时间", "考生签名"}
	if err := book.SetSheetRow(sheet, "A2", &header); err != nil {
		return err
	}
	checkedIn := 0
	for i, e := range list {
		checked := ""
		if !e.CheckedIn.IsZero() {
			checked = domain.FormatTime(e.CheckedIn)
			checkedIn++
		}
		row := []any{e.Seat.SeatNo, e.Seat.TicketNo, e.Name, e.Sex, e.IDNumber, e.Position, checked, ""}
		if err := book.SetSheetRow(sheet, "A"+strconv.Itoa(i+3), &row); err != nil {
			return err
		}
	}
	// The count the invigilators sign off: seated and checked in so far.
	total := []any{"合计", fmt.Sprintf("考生 %d 人", len(list)), fmt.Sprintf("已签到 %d 人", checkedIn), fmt.Sprintf("未签到 %d 人", len(list)-checkedIn)}
	if err := book.SetSheetRow(sheet, "A"+strconv.Itoa(len(list)+3), &total); err != nil {
		return err
	}
	buf, err := book.WriteToBuffer()
	if err != nil {
		return err
	}
	return sendFile(c, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fmt.Sprintf("座次表-%02d-%03d.xlsx", v.No, room), buf.Bytes())
}
