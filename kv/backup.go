package kv

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dgraph-io/badger/v4"
)

// A backup file is Badger's own backup stream (DB.Backup: every live key
// with its value, version, TTL and meta), wrapped in frames so that a
// backup cut short is recognised instead of restored half:
//
//	"EXAMREG-BACKUP\x01" mode            mode 'P' plain or 'E' encrypted
//	[8-byte nonce prefix]                encrypted only
//	frames: uint32 big-endian header, payload
//	    header bits 0-29: payload length; bit 31: last frame; bit 30: error
//	    plain: the last frame's payload is the SHA-256 of all earlier payloads
//	    encrypted: each payload is AES-256-GCM sealed with the store's key,
//	    nonce = prefix || frame counter, and the last-frame flag as
//	    additional data, so reordering, truncation and tampering all fail
//	    an error frame (bit 30) carries a message from the server instead
//
// The backup of an encrypted store is encrypted with the store's own key:
// a backup file holds nothing readable without the key file.
const backupMagic = "EXAMREG-BACKUP\x01"

const (
	backupPlain     = 'P'
	backupEncrypted = 'E'

	frameLast     = 1 << 31
	frameError    = 1 << 30
	frameLenMask  = 1<<30 - 1
	frameDataSize = 256 << 10
	// maxFrame bounds what a reader accepts: a data frame plus GCM's tag.
	maxFrame = frameDataSize + 64
)

// ErrBackupIncomplete says a backup stream ended before its last frame: the
// backup was cut short (a crash, a full disk, a server that stopped).
var ErrBackupIncomplete = errors.New("kv: backup is incomplete (cut short before its end)")

// EncryptionKeySize is the length of the key file -encryption-key-file
// names: 32 bytes select AES-256.
const EncryptionKeySize = 32

// ReadKeyFile reads an encryption key file: exactly 32 bytes.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read encryption key: %w", err)
	}
	if len(b) != EncryptionKeySize {
		return nil, fmt.Errorf("encryption key file %s holds %d bytes; it must hold exactly %d (make one with 'examreg keygen -o FILE')", path, len(b), EncryptionKeySize)
	}
	return b, nil
}

// NewEncryptionKey returns 32 random bytes for a key file.
func NewEncryptionKey() ([]byte, error) {
	k := make([]byte, EncryptionKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return k, nil
}

// ErrBackupTiKV refuses examreg's own backup on TiKV: back the cluster up
// with TiKV's BR (and the bucket with its versioning), see README.
var ErrBackupTiKV = errors.New("kv: on TiKV, back up with BR (br backup raw), not examreg backup")

// BackupStats describe a finished backup.
type BackupStats struct {
	Bytes     int64  // bytes written, framing included
	Version   uint64 // Badger's returned version (the since of a later incremental backup)
	Encrypted bool
}

// Backup writes a full backup of the open store to w while it keeps serving
// (Badger reads a consistent snapshot). It is encrypted when the store is.
func (s *Store) Backup(w io.Writer) (BackupStats, error) {
	if s.db == nil {
		return BackupStats{}, ErrBackupTiKV
	}
	cw := &countingWriter{w: w}
	fw, err := newFrameWriter(cw, s.key)
	if err != nil {
		return BackupStats{}, err
	}
	bw := bufio.NewWriterSize(fw, frameDataSize)
	version, err := s.db.Backup(bw, 0)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		// Tell a reader on the other end of a socket why it stops here.
		_ = fw.fail(err)
		return BackupStats{}, fmt.Errorf("kv: backup: %w", err)
	}
	if err := fw.close(); err != nil {
		return BackupStats{}, fmt.Errorf("kv: backup: %w", err)
	}
	return BackupStats{Bytes: cw.n, Version: version, Encrypted: s.key != nil}, nil
}

// CopyBackup copies a backup stream from r to w, checking its framing but
// not its content (that needs the key): it fails with ErrBackupIncomplete
// when the stream stops before its last frame, and with the server's message
// when the stream carries an error frame. It returns the bytes copied.
func CopyBackup(w io.Writer, r io.Reader) (int64, error) {
	cw := &countingWriter{w: w}
	br := bufio.NewReader(r)
	head := make([]byte, len(backupMagic)+1)
	if _, err := io.ReadFull(br, head); err != nil {
		return 0, backupReadErr(err)
	}
	if string(head[:len(backupMagic)]) != backupMagic {
		return 0, errors.New("kv: not an examreg backup")
	}
	if _, err := cw.Write(head); err != nil {
		return cw.n, err
	}
	if head[len(backupMagic)] == backupEncrypted {
		var prefix [8]byte
		if _, err := io.ReadFull(br, prefix[:]); err != nil {
			return cw.n, backupReadErr(err)
		}
		if _, err := cw.Write(prefix[:]); err != nil {
			return cw.n, err
		}
	}
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return cw.n, backupReadErr(err)
		}
		h := binary.BigEndian.Uint32(hdr[:])
		n := int64(h & frameLenMask)
		if n > maxFrame {
			return cw.n, errors.New("kv: corrupt backup frame")
		}
		if h&frameError != 0 {
			msg, _ := io.ReadAll(io.LimitReader(br, n))
			return cw.n, fmt.Errorf("kv: the server's backup failed: %s", msg)
		}
		if _, err := cw.Write(hdr[:]); err != nil {
			return cw.n, err
		}
		if m, err := io.CopyN(cw, br, n); err != nil {
			if m < n && (errors.Is(err, io.EOF)) {
				return cw.n, ErrBackupIncomplete
			}
			return cw.n, err
		}
		if h&frameLast != 0 {
			return cw.n, nil
		}
	}
}

// Restore loads a backup into dir, which must be missing or empty: a
// restore never mixes with existing data. key is the encryption key of the
// new store (nil: not encrypted); an encrypted backup needs the key it was
// made with. On any error the half-restored directory is removed again.
func Restore(dir string, r io.Reader, key []byte) (err error) {
	if err := requireEmptyDir(dir); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			cleanupDir(dir)
		}
	}()
	fr, err := newFrameReader(r, key)
	if err != nil {
		return err
	}
	o := Options{Dir: dir, SyncWrites: false, EncryptionKey: key}
	db, err := badger.Open(badgerOptions(o))
	if err != nil {
		return fmt.Errorf("kv: restore: open %s: %w", dir, err)
	}
	// Load writes in batches without transactions; nothing else runs here.
	if err := db.Load(bufio.NewReaderSize(fr, frameDataSize), 64); err != nil {
		db.Close()
		return fmt.Errorf("kv: restore: %w", err)
	}
	// Load can return before its last frame was checked (Badger stops at
	// the end of its own stream): read to the end so a tampered or cut
	// short file never counts as restored.
	if _, err := io.Copy(io.Discard, fr); err != nil {
		db.Close()
		return fmt.Errorf("kv: restore: %w", err)
	}
	if !fr.done {
		db.Close()
		return ErrBackupIncomplete
	}
	if err := db.Sync(); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

// requireEmptyDir accepts a missing or empty directory.
func requireEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("restore refused: %s is not empty (%d entries); restore only into a new or empty directory, never over a store", dir, len(entries))
	}
	return nil
}

// cleanupDir empties dir after a failed restore (it was empty before).
func cleanupDir(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = os.RemoveAll(dir + string(os.PathSeparator) + e.Name())
	}
}

func backupReadErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrBackupIncomplete
	}
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// frameWriter cuts what is written into frames (see backupMagic).
type frameWriter struct {
	w       io.Writer
	aead    cipher.AEAD // nil: plain
	prefix  [8]byte
	counter uint32
	sum     hashWriter
	buf     []byte
}

type hashWriter interface {
	io.Writer
	Sum([]byte) []byte
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func newFrameWriter(w io.Writer, key []byte) (*frameWriter, error) {
	fw := &frameWriter{w: w, sum: sha256.New()}
	mode := byte(backupPlain)
	if key != nil {
		aead, err := newAEAD(key)
		if err != nil {
			return nil, err
		}
		fw.aead = aead
		mode = backupEncrypted
		if _, err := rand.Read(fw.prefix[:]); err != nil {
			return nil, err
		}
	}
	if _, err := io.WriteString(w, backupMagic+string(mode)); err != nil {
		return nil, err
	}
	if fw.aead != nil {
		if _, err := w.Write(fw.prefix[:]); err != nil {
			return nil, err
		}
	}
	return fw, nil
}

func (fw *frameWriter) nonce() []byte {
	n := make([]byte, 12)
	copy(n, fw.prefix[:])
	binary.BigEndian.PutUint32(n[8:], fw.counter)
	fw.counter++
	return n
}

func (fw *frameWriter) frame(p []byte, last bool) error {
	var flag uint32
	ad := []byte{0}
	if last {
		flag, ad[0] = frameLast, 1
	}
	if fw.aead != nil {
		if fw.counter == ^uint32(0) {
			return errors.New("backup too large for one nonce prefix")
		}
		p = fw.aead.Seal(fw.buf[:0], fw.nonce(), p, ad)
		fw.buf = p
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(p))|flag)
	if _, err := fw.w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := fw.w.Write(p)
	return err
}

// Write frames p (bufio in front of it keeps frames near frameDataSize).
func (fw *frameWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		chunk := p[:min(len(p), frameDataSize)]
		if fw.aead == nil {
			fw.sum.Write(chunk)
		}
		if err := fw.frame(chunk, false); err != nil {
			return n - len(p), err
		}
		p = p[len(chunk):]
	}
	return n, nil
}

func (fw *frameWriter) close() error {
	if fw.aead != nil {
		return fw.frame(nil, true)
	}
	return fw.frame(fw.sum.Sum(nil), true)
}

func (fw *frameWriter) fail(cause error) error {
	msg := []byte(cause.Error())
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(msg))|frameError)
	if _, err := fw.w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := fw.w.Write(msg)
	return err
}

// frameReader undoes frameWriter, checking every frame as it goes.
type frameReader struct {
	r       io.Reader
	aead    cipher.AEAD
	prefix  [8]byte
	counter uint32
	sum     hashWriter
	cur     []byte // unread payload of the current frame
	buf     []byte
	done    bool
}

func newFrameReader(r io.Reader, key []byte) (*frameReader, error) {
	br := bufio.NewReader(r)
	head := make([]byte, len(backupMagic)+1)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, backupReadErr(err)
	}
	if string(head[:len(backupMagic)]) != backupMagic {
		return nil, errors.New("kv: not an examreg backup file")
	}
	fr := &frameReader{r: br, sum: sha256.New()}
	switch head[len(backupMagic)] {
	case backupPlain:
	case backupEncrypted:
		if key == nil {
			return nil, errors.New("this backup is encrypted: give the key file of the store it came from (-encryption-key-file)")
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, err
		}
		fr.aead = aead
		if _, err := io.ReadFull(br, fr.prefix[:]); err != nil {
			return nil, backupReadErr(err)
		}
	default:
		return nil, errors.New("kv: unknown backup mode")
	}
	return fr, nil
}

func (fr *frameReader) Read(p []byte) (int, error) {
	for len(fr.cur) == 0 {
		if fr.done {
			return 0, io.EOF
		}
		if err := fr.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, fr.cur)
	fr.cur = fr.cur[n:]
	return n, nil
}

func (fr *frameReader) next() error {
	var hdr [4]byte
	if _, err := io.ReadFull(fr.r, hdr[:]); err != nil {
		return backupReadErr(err)
	}
	h := binary.BigEndian.Uint32(hdr[:])
	n := int(h & frameLenMask)
	if n > maxFrame {
		return errors.New("kv: corrupt backup frame")
	}
	if cap(fr.buf) < n {
		fr.buf = make([]byte, n)
	}
	payload := fr.buf[:n]
	if _, err := io.ReadFull(fr.r, payload); err != nil {
		return backupReadErr(err)
	}
	if h&frameError != 0 {
		return fmt.Errorf("kv: the backup failed while it was made: %s", payload)
	}
	last := h&frameLast != 0
	if fr.aead != nil {
		ad := []byte{0}
		if last {
			ad[0] = 1
		}
		nonce := make([]byte, 12)
		copy(nonce, fr.prefix[:])
		binary.BigEndian.PutUint32(nonce[8:], fr.counter)
		fr.counter++
		plain, err := fr.aead.Open(payload[:0], nonce, payload, ad)
		if err != nil {
			return errors.New("the backup cannot be decrypted with this key (wrong -encryption-key-file, or the file was altered)")
		}
		payload = plain
	} else if last {
		if string(payload) != string(fr.sum.Sum(nil)) {
			return errors.New("kv: backup checksum mismatch: the file was altered or damaged")
		}
		payload = nil
	} else {
		fr.sum.Write(payload)
	}
	fr.done = last
	fr.cur = payload
	return nil
}
