import PeregrineCore
import PeregrineJournal

/// The journal's safe payload decoder (shared with recovery and the warehouse loader).
typealias ReportPayload = JournalPayload
