-- Whether a provincial target on this indicator can be a region's yardstick (scaled to the region). A
-- province-wide trade total or a total of designations cannot: it is then not shown as a region's status.
ALTER TABLE indicators ADD COLUMN regional_yardstick BOOLEAN NOT NULL DEFAULT true;
