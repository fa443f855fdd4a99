package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"examreg/domain"
	"examreg/handlers"
	"examreg/kv"
)

// adminCreate makes an administrator account on a real deployment. The
// password is read from standard input so it stays out of shell history.
// The server must be stopped (Badger allows one process per data directory).
func adminCreate(args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("examreg admin create", flag.ContinueOnError)
	dataDir := fs.String("data", envOr("EXAMREG_DATA", "./data"), "data directory")
	login := fs.String("login", "", "user name to log in with (letters, digits, 3-32)")
	name := fs.String("name", "", "the administrator's name (姓名)")
	keyFile := fs.String("encryption-key-file", envOr("EXAMREG_ENCRYPTION_KEY_FILE", ""), "key file of an encrypted store")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !validUserName(*login) || strings.TrimSpace(*name) == "" {
		return errors.New("需要 -login（3-32 位字母、数字、下划线）和 -name")
	}
	fmt.Fprint(out, "密码（至少 8 位，含字母和数字）：")
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := domain.ValidatePassword(pw, ""); err != nil {
		return errors.New(domain.ErrorMessage(err))
	}
	key, err := loadKey(*keyFile)
	if err != nil {
		return err
	}
	store, err := kv.Open(kv.Options{Dir: *dataDir, SyncWrites: true, EncryptionKey: key})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := createStaff(store, domain.RoleAdmin, *login, *name, pw, nil, time.Now()); err != nil {
		return errors.New(domain.ErrorMessage(err))
	}
	fmt.Fprintf(out, "\n已创建管理员账号 %s\n", *login)
	return nil
}

func validUserName(s string) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// createStaff creates a reviewer or administrator account.
func createStaff(store *kv.Store, role domain.Role, login, name, pw string, departments []string, now time.Time) error {
	hash, err := handlers.HashPassword(pw)
	if err != nil {
		return err
	}
	return store.CreateAccount(&domain.Account{
		ID: kv.NewID(now), Role: role, LoginName: strings.ToUpper(login), Name: name,
		PasswordHash: hash, Departments: departments, CreatedAt: now, UpdatedAt: now,
	})
}

func hashDemoPassword() (string, error) { return handlers.HashPassword(demoPassword) }
