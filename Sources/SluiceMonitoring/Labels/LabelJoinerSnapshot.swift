/// A ``LabelJoiner``'s counters and every model's quality at one moment.
public struct LabelJoinerSnapshot: Sendable, Hashable, Codable {
    /// What happened to every scored event and every label. Conservation laws (the tests check them):
    /// - `eventsReceived = eventsRemembered + joinedOnScore + duplicateEvents + rejectedEventIDs`
    /// - `eventsRemembered = pendingEvents + joinedOnLabel + evictedEvents + expiredEvents`
    /// - `labelsReceived = joinedOnLabel + labelsHeld + duplicateLabels + invalidLabels + rejectedLabelIDs`
    /// - `labelsHeld = pendingLabels + joinedOnScore + evictedLabels + expiredLabels`
    public struct Counters: Sendable, Hashable, Codable {
        /// Calls to `remember`.
        public var eventsReceived = 0
        /// Scored events stored to wait for their label.
        public var eventsRemembered = 0
        /// Scored events whose id was already waiting (the first is kept).
        public var duplicateEvents = 0
        /// Scored events whose id was empty or longer than `maximumEventIDBytes`.
        public var rejectedEventIDs = 0
        /// Waiting events dropped, oldest first, to stay within `maximumPendingEvents` (unmatched).
        public var evictedEvents = 0
        /// Waiting events whose horizon passed without a label (unmatched).
        public var expiredEvents = 0
        /// Calls to `label`.
        public var labelsReceived = 0
        /// Labels stored to wait for their event's scores (the label came first).
        public var labelsHeld = 0
        /// Labels for an id that already had a label waiting (the first is kept).
        public var duplicateLabels = 0
        /// Labels that are not 0 or 1 for a classifier, or not finite.
        public var invalidLabels = 0
        /// Labels whose id was empty or longer than `maximumEventIDBytes`.
        public var rejectedLabelIDs = 0
        /// Waiting labels dropped, oldest first, to stay within `maximumPendingLabels` (unmatched).
        public var evictedLabels = 0
        /// Waiting labels whose horizon passed without their event (unmatched).
        public var expiredLabels = 0
        /// Joins made when a label arrived for a waiting event.
        public var joinedOnLabel = 0
        /// Joins made when an event arrived for a waiting label.
        public var joinedOnScore = 0
        /// Scored events waiting now.
        public var pendingEvents = 0
        /// Labels waiting now.
        public var pendingLabels = 0

        public init() {}

        /// All joins: labeled events recorded into the models' quality.
        public var joined: Int { joinedOnLabel + joinedOnScore }
    }

    public var counters: Counters
    /// Mean of (label arrival time − event time) over joined events, ms: how late labels come.
    /// Label arrival is the `nowMs` of the `label` call; event time the `eventTimeMs` of `remember`.
    public var meanLabelDelayMilliseconds: Double?
    /// The primary first, then each shadow, in configuration order.
    public var models: [ModelQualitySnapshot]

    public init(counters: Counters, meanLabelDelayMilliseconds: Double?, models: [ModelQualitySnapshot]) {
        self.counters = counters
        self.meanLabelDelayMilliseconds = meanLabelDelayMilliseconds
        self.models = models
    }
}
