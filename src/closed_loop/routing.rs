//! Which department should handle an item: the three most likely units from the item's topic and
//! words, using the shipped, editable responsibility list (职责清单) and the workspace's own past
//! assignments.
