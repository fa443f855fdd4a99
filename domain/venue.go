package domain

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the seat plan. They follow from the fixed-width 准考证号
// (TicketNumber): 2 digits of venue, 3 of room, 2 of seat.
const (
	MaxVenues       = 99
	MaxRoomsPerSite = 999
	MaxRoomCapacity = 99
	// DefaultRoomCapacity is a 考场's seat count when the administrator names none.
	DefaultRoomCapacity = 30
)

// Room is one 考场 of a venue.
type Room struct {
	No       int `json:"no"`       // 考场号, 1..MaxRoomsPerSite, unique in the venue
	Capacity int `json:"capacity"` // seats, 1..MaxRoomCapacity
}

// Venue is a 考点 of an exam with its 考场, in the order they are filled.
type Venue struct {
	ExamID    string    `json:"exam_id"`
	No        int       `json:"no"` // 考点编号, 1..MaxVenues, unique in the exam; part of the 准考证号
	Name      string    `json:"name"`
	Address   string    `json:"address"`
	Transport string    `json:"transport,omitempty"` // 交通提示
	Rooms     []Room    `json:"rooms"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Seats is the venue's total capacity.
func (v *Venue) Seats() int {
	n := 0
	for _, r := range v.Rooms {
		n += r.Capacity
	}
	return n
}

// Room returns the venue's room numbered no.
func (v *Venue) Room(no int) (Room, bool) {
	for _, r := range v.Rooms {
		if r.No == no {
			return r, true
		}
	}
	return Room{}, false
}

// VenueInput is the administrator's 考点 form. Rooms is one line per 考场:
// "考场号 座位数", the seat count optional (DefaultRoomCapacity).
type VenueInput struct {
	No        string
	Name      string
	Address   string
	Transport string
	Rooms     string
}

// Validate checks the form and returns the venue it describes (ExamID and
// UpdatedAt left to the caller). Field keys: no, name, address, transport, rooms.
func (in VenueInput) Validate() (*Venue, error) {
	fe := FieldErrors{}
	v := &Venue{Name: strings.TrimSpace(in.Name), Address: strings.TrimSpace(in.Address), Transport: strings.TrimSpace(in.Transport)}
	no, err := strconv.Atoi(strings.TrimSpace(in.No))
	if err != nil || no < 1 || no > MaxVenues {
		fe.Add("no", "考点编号须为 1-99 的整数（准考证号中占两位）。")
	}
	v.No = no
	if n := utf8.RuneCountInString(v.Name); n == 0 || n > 60 {
		fe.Add("name", "请填写考点名称（不超过 60 个字）。")
	}
	if n := utf8.RuneCountInString(v.Address); n == 0 || n > 120 {
		fe.Add("address", "请填写考点地址（不超过 120 个字）。")
	}
	if utf8.RuneCountInString(v.Transport) > 300 {
		fe.Add("transport", "交通提示不能超过 300 个字。")
	}
	rooms, err := ParseRooms(in.Rooms)
	if err != nil {
		fe.Add("rooms", ErrorMessage(err))
	}
	v.Rooms = rooms
	return v, fe.Err()
}

// ParseRooms reads the rooms textarea: one 考场 a line, "考场号 座位数" or
// just "考场号" (DefaultRoomCapacity seats). Blank lines are skipped; the
// order of the lines is the order rooms are filled. A capacity of 0, a
// repeated room number or a number out of range is refused (EINVALID, field
// "rooms") with the line named.
func ParseRooms(text string) ([]Room, error) {
	var rooms []Room
	seen := map[int]bool{}
	for i, line := range strings.Split(text, "\n") {
		parts := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '，' || r == '\r' || r == '　' })
		if len(parts) == 0 {
			continue
		}
		where := "第 " + strconv.Itoa(i+1) + " 行："
		if len(parts) > 2 {
			return nil, FieldError("rooms", where+"每行只写考场号和座位数。")
		}
		no, err := strconv.Atoi(parts[0])
		if err != nil || no < 1 || no > MaxRoomsPerSite {
			return nil, FieldError("rooms", where+"考场号须为 1-999 的整数。")
		}
		if seen[no] {
			return nil, FieldError("rooms", where+"考场号 "+strconv.Itoa(no)+" 重复。")
		}
		seen[no] = true
		capacity := DefaultRoomCapacity
		if len(parts) == 2 {
			capacity, err = strconv.Atoi(parts[1])
			if err != nil {
				return nil, FieldError("rooms", where+"座位数须为整数。")
			}
			if capacity < 1 || capacity > MaxRoomCapacity {
				return nil, FieldError("rooms", where+"座位数须为 1-99（不能为 0）。")
			}
		}
		rooms = append(rooms, Room{No: no, Capacity: capacity})
	}
	if len(rooms) == 0 {
		return nil, FieldError("rooms", "请至少填写一个考场（每行：考场号 座位数）。")
	}
	if len(rooms) > MaxRoomsPerSite {
		return nil, FieldError("rooms", "一个考点最多 999 个考场。")
	}
	return rooms, nil
}

// RoomsText writes rooms back in the textarea's form.
func RoomsText(rooms []Room) string {
	var b strings.Builder
	for _, r := range rooms {
		b.WriteString(strconv.Itoa(r.No) + " " + strconv.Itoa(r.Capacity) + "\n")
	}
	return b.String()
}

// TicketSettings are an exam's 准考证 settings kept by the administrator.
type TicketSettings struct {
	ExamID string `json:"exam_id"`
	// ExamNo is the 4-digit 考试代码 that starts every 准考证号 of the exam.
	ExamNo string `json:"exam_no"`
	// Instructions is the 考生须知 printed on every ticket (plain text, blank line between paragraphs).
	Instructions string `json:"instructions"`
	// Schedule is the 笔试 timetable printed on the ticket: one slot per
	// 科目 with its date and times (empty: the exam's subject names only).
	Schedule []SubjectSlot `json:"schedule,omitempty"`
	// ScheduleText is the schedule as typed, to show a refused form again.
	ScheduleText string    `json:"-"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// SubjectSlot is one 科目 of the timetable: date YYYY-MM-DD, times HH:MM (Beijing time).
type SubjectSlot struct {
	Subject string `json:"subject"`
	Date    string `json:"date"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

// String words the slot for the ticket: "公共科目笔试　2026年12月20日 09:00—11:30".
func (s SubjectSlot) String() string {
	d, err := time.Parse("2006-01-02", s.Date)
	date := s.Date
	if err == nil {
		date = d.Format("2006年01月02日")
	}
	return s.Subject + "　" + date + " " + s.Start + "—" + s.End
}

// MaxScheduleSlots bounds the timetable (it must fit on the ticket).
const MaxScheduleSlots = 10

// ParseSchedule reads the timetable textarea: one 科目 a line, "科目 日期
// 开始-结束", e.g. "公共科目笔试 2026-12-20 09:00-11:30". Blank lines are
// skipped. A bad date or time, an end not after the start, or a slot
// overlapping another on the same day is refused (EINVALID, field
// "schedule") with the line named.
func ParseSchedule(text string) ([]SubjectSlot, error) {
	var out []SubjectSlot
	for i, line := range strings.Split(text, "\n") {
		parts := strings.Fields(strings.NewReplacer("　", " ", "—", "-", "–", "-", "～", "-", "~", "-", "至", "-").Replace(line))
		if len(parts) == 0 {
			continue
		}
		where := "第 " + strconv.Itoa(i+1) + " 行："
		if len(parts) == 4 && strings.HasPrefix(parts[3], "-") {
			parts = []string{parts[0], parts[1], parts[2] + parts[3]}
		} else if len(parts) == 5 && parts[3] == "-" {
			parts = []string{parts[0], parts[1], parts[2] + "-" + parts[4]}
		}
		if len(parts) != 3 {
			return nil, FieldError("schedule", where+"请按“科目 日期 开始-结束”填写，如：公共科目笔试 2026-12-20 09:00-11:30。")
		}
		slot := SubjectSlot{Subject: parts[0], Date: parts[1]}
		if utf8.RuneCountInString(slot.Subject) > 30 {
			return nil, FieldError("schedule", where+"科目名称不能超过 30 个字。")
		}
		if _, err := time.Parse("2006-01-02", slot.Date); err != nil {
			return nil, FieldError("schedule", where+"日期须为 YYYY-MM-DD，如 2026-12-20。")
		}
		start, end, ok := strings.Cut(parts[2], "-")
		ts, err1 := time.Parse("15:04", start)
		te, err2 := time.Parse("15:04", end)
		switch {
		case !ok || err1 != nil || err2 != nil:
			return nil, FieldError("schedule", where+"时间须为“开始-结束”，如 09:00-11:30。")
		case !te.After(ts):
			return nil, FieldError("schedule", where+"结束时间须晚于开始时间。")
		}
		slot.Start, slot.End = ts.Format("15:04"), te.Format("15:04")
		for _, o := range out {
			if o.Date == slot.Date && o.Start < slot.End && slot.Start < o.End {
				return nil, FieldError("schedule", where+"与“"+o.Subject+"”的考试时间重叠。")
			}
		}
		out = append(out, slot)
	}
	if len(out) > MaxScheduleSlots {
		return nil, FieldError("schedule", "最多 10 个科目。")
	}
	return out, nil
}

// ScheduleText writes a timetable back in the textarea's form.
func ScheduleText(slots []SubjectSlot) string {
	var b strings.Builder
	for _, s := range slots {
		b.WriteString(s.Subject + " " + s.Date + " " + s.Start + "-" + s.End + "\n")
	}
	return b.String()
}

// MaxInstructions bounds the 考生须知, in characters: it must fit on the ticket's one page.
const MaxInstructions = 1200

// Validate checks the settings form. Field keys: exam_no, instructions.
func (t *TicketSettings) Validate() error {
	fe := FieldErrors{}
	t.ExamNo = strings.TrimSpace(t.ExamNo)
	if len(t.ExamNo) != 4 || strings.Trim(t.ExamNo, "0123456789") != "" {
		fe.Add("exam_no", "考试代码须为 4 位数字（准考证号的前 4 位）。")
	}
	t.Instructions = strings.TrimSpace(strings.ReplaceAll(t.Instructions, "\r\n", "\n"))
	if n := utf8.RuneCountInString(t.Instructions); n > MaxInstructions {
		fe.Add("instructions", "考生须知不能超过 1200 个字（须与准考证同印一页）。")
	}
	return fe.Err()
}

// CheckVenueChange refuses changing an exam's venues once ticket printing
// has opened while seats are assigned: printed tickets name them.
func CheckVenueChange(exam *Exam, assigned bool, now time.Time) error {
	if assigned && printingOpened(exam, now) {
		return Errorf(ECONFLICT, "准考证打印已于 %s 开始，考场已编排，不能再修改考点和考场。", FormatTime(exam.Ticket.Start))
	}
	return nil
}

func printingOpened(exam *Exam, now time.Time) bool {
	return !exam.Ticket.Start.IsZero() && !now.Before(exam.Ticket.Start)
}
