"""Who a work order's messages go to, as SQL over the work order aliased `w`: one definition
for the handlers, the escalations and the overdue notices."""

# The people doing the work: its assignees and the members of its team.
DOERS = """
SELECT a.user_id FROM work_order_assignees a
WHERE a.organization_id = w.organization_id AND a.work_order_id = w.id
UNION
SELECT m.user_id FROM team_members m
WHERE m.organization_id = w.organization_id AND m.team_id = w.team_id
"""
# The active supervisors bound to the work's site.
SITE_SUPERVISORS = """
SELECT u.id FROM users u
JOIN user_sites s ON s.organization_id = u.organization_id AND s.user_id = u.id
WHERE u.organization_id = w.organization_id AND u.role = 'supervisor'
  AND s.location_id = w.site_id AND u.deleted_at IS NULL AND u.is_active
"""
