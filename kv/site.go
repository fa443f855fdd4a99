package kv

import (
	"errors"

	"examreg/domain"
)

// SiteSettings returns the footer settings (zero when never set). They are
// read on every page, so the store keeps them in memory after the first
// read; SaveSiteSettings refreshes that copy after it commits.
func (s *Store) SiteSettings() (domain.SiteSettings, error) {
	if p := s.site.Load(); p != nil {
		return *p, nil
	}
	var st domain.SiteSettings
	err := s.View(func(tx *Tx) error { return tx.Get(siteKey, &st) })
	if err != nil && !errors.Is(err, ErrNotFound) {
		return domain.SiteSettings{}, err
	}
	s.site.CompareAndSwap(nil, &st)
	return st, nil
}

// SaveSiteSettings is the administrator's action on the footer settings:
// the form is decided by the domain, then the record and its audit entry
// are written in one transaction.
func (s *Store) SaveSiteSettings(f domain.SiteSettingsForm, audit AuditEntry) (domain.SiteSettings, error) {
	st, err := f.Decide(audit.ActorID, audit.At)
	if err != nil {
		return domain.SiteSettings{}, err
	}
	err = s.Update(func(tx *Tx) error {
		audit.Action, audit.Target = "site.update", "site"
		audit.Detail = "主办单位=" + st.Organizer + "；ICP=" + st.ICP
		if err := tx.AppendAudit(audit); err != nil {
			return err
		}
		return tx.Put(siteKey, &st)
	})
	if err != nil {
		return domain.SiteSettings{}, err
	}
	s.site.Store(&st)
	return st, nil
}
