"""The fixed texts of a case-study pack, marked for translation (``N_``) and worded in
``mda.reports.casestudy``: event definitions, questions, legal notes, actions, caveats.

Legal notes name the rules a trainer would usually discuss; they are not legal advice, and
every pack says so. Article numbers refer to the United Nations Convention on the Law of
the Sea (UNCLOS, 1982) unless another instrument is named.
"""

from __future__ import annotations

from mda.reports.daily import TYPE_LABELS as TYPE_LABELS  # one list of type names
from mda.reports.i18n import N_

DEFINITIONS = {
    "loitering": N_(
        "Loitering: the vessel kept below a low speed threshold for at least the minimum "
        "duration, at sea and away from the shore. The detector follows Global Fishing "
        "Watch's loitering events."
    ),
    "ais_gap": N_(
        "AIS gap: the vessel's AIS reports stopped for longer than the gap threshold and "
        "resumed later. The detector follows Global Fishing Watch's gap events. A gap is a "
        "silence in the received data, not proof that the transponder was switched off."
    ),
    "encounter": N_(
        "Encounter: two vessels stayed within a short distance of each other at low speed for "
        "at least the minimum duration, away from the shore. The detector follows Global "
        "Fishing Watch's encounters; an encounter can indicate a transfer at sea."
    ),
    "anchor_drag": N_(
        "Anchor drag: a long run at reduced speed, well below the vessel's own transit speed, "
        "without reporting \u201cat anchor\u201d, across a submarine cable. The pattern is "
        "that of the Baltic cable incidents of 2024; course and heading pointing in different "
        "directions is a supporting sign."
    ),
    "fishing_in_zone": N_(
        "Fishing in zone: a classifier judged from the movement alone that the vessel was "
        "fishing, inside a zone where fishing was forbidden at the time. The bundled model is "
        "trained on simulated tracks and separates fishing from steaming poorly on real data: "
        "treat the event as a lead to check."
    ),
    "identity_conflict": N_(
        "Identity conflict: two transmitters used the same MMSI at the same time in different "
        "places (shared MMSI), or the MMSI is not a valid ship identity (a country code that "
        "the ITU has not allocated, or a placeholder number)."
    ),
}

QUESTIONS = (
    N_(
        "What happened? Describe in your own words what the vessel did during the period, "
        "using the timeline, the maps and the chart."
    ),
    N_(
        "Which evidence supports your description? Which facts are measured, which are "
        "inferred, and what would you check before acting?"
    ),
    N_(
        "Which legal basis applies? Consider where it happened (territorial sea, contiguous "
        "zone, EEZ, high seas), the flag state, and the relevant rules of UNCLOS (for example "
        "arts. 56, 73, 94, 111, 113) or of national law."
    ),
    N_(
        "What should a maritime law enforcement (MLE) unit do now? Whom would you inform, what "
        "would you ask the vessel, and what would you need before stopping or boarding it?"
    ),
    N_("Which innocent explanations could fit the same data, and how would you rule them out?"),
)

TYPE_QUESTIONS = {
    "loitering": N_("Why might a vessel stop here, and when does stopping become a concern?"),
    "ais_gap": N_("How would you tell a deliberate switch-off from poor reception?"),
    "encounter": N_(
        "What could have been transferred, and which authorisations or notifications would you "
        "expect to find?"
    ),
    "anchor_drag": N_(
        "What would confirm that an anchor was dragged: on board, on the seabed, in the cable "
        "operator's data?"
    ),
    "fishing_in_zone": N_(
        "How reliable is a fishing classification from movement alone, and which other data "
        "would confirm it?"
    ),
    "identity_conflict": N_(
        "Which of the transmissions belongs to the genuine vessel, and how would you find out?"
    ),
}

LEGAL_DISCLAIMER = N_(
    "These notes point to the rules usually discussed for this kind of case. They are not "
    "legal advice: what applies depends on where the facts happened, on the flag state and on "
    "national law. Check your service's legal guidance."
)

LEGAL = {
    "where": (
        N_(
            "Where it happened decides who may act. The coastal state has sovereignty in its "
            "territorial sea, subject to innocent passage (arts. 2, 17\u201332); limited "
            "control in the contiguous zone (art. 33); sovereign rights over resources in its "
            "EEZ (art. 56) and on its continental shelf (art. 77). On the high seas a ship is "
            "under the exclusive jurisdiction of its flag state (art. 92), with the exceptions "
            "of art. 110."
        ),
    ),
    "cable": (
        N_(
            "Art. 113: every state must make it a punishable offence for a ship flying its "
            "flag, or a person under its jurisdiction, to break or injure a submarine cable "
            "beneath the high seas wilfully or through culpable negligence; art. 58(2) extends "
            "the rule to the EEZ. The offence is defined by national law; art. 113 gives no "
            "enforcement power to the coastal state."
        ),
        N_(
            "Art. 115: the owner of a ship who can prove that an anchor, a net or other fishing "
            "gear was sacrificed to avoid injuring a cable is entitled to indemnity from the "
            "cable's owner, provided all reasonable precautions were taken beforehand."
        ),
        N_(
            "Arts. 58, 79 and 112: all states may lay cables in the EEZ and on the continental "
            "shelf and beyond. In its territorial sea the coastal state may adopt laws "
            "protecting cables (art. 21(1)(c)) and enforce them."
        ),
        N_(
            "The 1884 Convention for the Protection of Submarine Telegraph Cables still binds "
            "its parties: officers of their warships may require the master of a ship believed "
            "to have committed an offence to show the documents proving its nationality "
            "(art. X)."
        ),
    ),
    "fisheries": (
        N_(
            "Art. 56 and art. 62(4): in its EEZ the coastal state has sovereign rights over "
            "living resources and sets the conditions for fishing, including closed seasons "
            "and areas."
        ),
        N_(
            "Art. 73: to enforce its fisheries laws in the EEZ the coastal state may board, "
            "inspect, arrest and start judicial proceedings. Arrested vessels and crews must be "
            "promptly released on a reasonable bond (73(2)); penalties may not include "
            "imprisonment without agreement of the states concerned (73(3)); the flag state "
            "must be promptly notified of an arrest (73(4))."
        ),
        N_(
            "In the territorial sea, fishing makes passage non-innocent (art. 19(2)(i)) and the "
            "coastal state's fisheries law applies (art. 21(1)(e)). Regional rules (for example "
            "the EU Common Fisheries Policy) may set the closure itself."
        ),
    ),
    "transfer": (
        N_(
            "Transfers at sea: a coastal state may regulate the bunkering of foreign vessels "
            "fishing in its EEZ as part of fisheries management (ITLOS, M/V \u201cVirginia "
            "G\u201d, 2014). Oil transfers between ships fall under MARPOL Annex I, chapter 8, "
            "which requires advance notice to the coastal state for a transfer in its "
            "territorial sea or EEZ. An encounter alone is not an offence."
        ),
    ),
    "ais": (
        N_(
            "AIS carriage: SOLAS chapter V, regulation 19 requires AIS on ships of 300 GT and "
            "more on international voyages, cargo ships of 500 GT and more, and all passenger "
            "ships, and requires it to be kept in operation, except where international rules "
            "protect navigational information. IMO guidelines (resolution A.1106(29)) let the "
            "master switch it off when its operation would compromise the ship's safety or "
            "security. A gap is an offence only where the flag state's or the coastal state's "
            "law makes it one."
        ),
    ),
    "identity": (
        N_(
            "Nationality: a ship has the nationality of the state whose flag it is entitled to "
            "fly (art. 91) and sails under one flag only; a ship using two flags according to "
            "convenience may be assimilated to a ship without nationality (art. 92(2)). On the "
            "high seas a warship may visit a ship suspected of having no nationality (art. "
            "110(1)(d))."
        ),
        N_(
            "MMSIs are assigned by national administrations under the ITU Radio Regulations "
            "(Article 19, identification of stations). A wrong or shared MMSI alone does not "
            "make a ship stateless: it is a reason to check its registration with the flag "
            "state."
        ),
    ),
    "stopping": (
        N_(
            "Stopping is not an offence in itself. In the territorial sea, passage must be "
            "continuous and expeditious, but stopping and anchoring are allowed when incidental "
            "to ordinary navigation, required by force majeure or distress, or to help persons, "
            "ships or aircraft in danger (art. 18(2)). Beyond it, freedom of navigation applies "
            "(arts. 58 and 87): what matters is what the vessel was doing."
        ),
    ),
    "flag": (
        N_(
            "Art. 94: the flag state must effectively exercise jurisdiction and control over "
            "its ships. A state with clear grounds to believe this has not been done may report "
            "the facts to the flag state, which must investigate (art. 94(6))."
        ),
    ),
    "hot_pursuit": (
        N_(
            "Hot pursuit (art. 111): a coastal state may pursue a foreign ship onto the high "
            "seas when it has good reason to believe the ship broke its laws, if the pursuit "
            "starts while the ship is in its internal waters, territorial sea or contiguous "
            "zone (or in the EEZ or over the continental shelf, for the laws that apply there), "
            "after a visual or auditory signal to stop, and continues without interruption. It "
            "ends when the ship enters the territorial sea of its own or a third state, and "
            "only warships, military aircraft or clearly marked government ships or aircraft "
            "authorised to that effect may carry it out."
        ),
    ),
}

ACTIONS_COMMON = (
    N_(
        "Check the data before acting: reception around the position (were other ships "
        "heard?), the raw AIS messages, and other sources (coastal radar, satellite imagery, "
        "VMS for fishing vessels, reports from other ships)."
    ),
    N_(
        "Identify the vessel: check its MMSI, IMO number, name and call sign against the "
        "registers (ITU MARS, the flag state's register, IMO GISIS) and note any mismatch."
    ),
    N_(
        "Contact the vessel on VHF to ask about its intentions or condition before assuming "
        "wrongdoing."
    ),
    N_(
        "Report through the chain of command to the maritime operations centre. Record what "
        "was observed, when and from which sources, and keep the raw data (chain of evidence)."
    ),
    N_(
        "Act only within the unit's mandate and the legal basis for the zone where the vessel "
        "is; involve the flag state, and neighbouring states when the vessel leaves your waters."
    ),
)

ACTIONS = {
    "cable": (
        N_(
            "Alert the cable operator and the authority responsible for critical infrastructure "
            "at once: the operator can see faults on the cable, which confirms or rules out "
            "damage."
        ),
        N_(
            "If damage is suspected, ask the master to explain the track, have the anchors and "
            "anchor chains checked (a missing or damaged anchor is key evidence), and ask for "
            "the voyage data recorder (VDR) data to be saved before it is overwritten."
        ),
    ),
    "loitering": (
        N_(
            "Ask why the vessel stopped (engine trouble, waiting for orders, a berth or better "
            "weather). Keep watching it if it is near a cable or inside a zone."
        ),
    ),
    "ais_gap": (
        N_(
            "Look for the vessel in other sources during the silence (radar, satellite "
            "imagery) and compare the straight path with the cables, zones and borders it "
            "crosses; ask the master or the flag state why no AIS was received."
        ),
    ),
    "encounter": (
        N_(
            "Identify both vessels and their trades (fishing vessel, tanker, reefer); check "
            "for authorisations or notifications (transshipment, bunkering, ship-to-ship "
            "transfer); consider an inspection at the next port (port state control, or the "
            "FAO Port State Measures Agreement for fishing vessels)."
        ),
    ),
    "anchor_drag": (),
    "fishing_in_zone": (
        N_(
            "Check the vessel's licence and the closure's rules, compare with VMS and logbook "
            "data, and consider boarding and inspection under the fisheries law of the zone."
        ),
    ),
    "identity_conflict": (
        N_(
            "Check the MMSI in ITU MARS and the flag state's register, look for the other "
            "vessel using the same identity, and ask the flag state to confirm the "
            "registration."
        ),
    ),
}

ALTERNATIVES = {
    "loitering": N_(
        "Waiting for a berth, orders or better weather; engine repairs; drifting to save fuel; "
        "fishing at low speed."
    ),
    "ais_gap": N_(
        "Poor reception (check coverage), a transponder or power fault, or the master switching "
        "AIS off for security, which IMO guidelines allow."
    ),
    "encounter": N_(
        "Bunkering or resupply, a crew change, help to a vessel in difficulty, pilot or tug "
        "work, or two fishing vessels working the same ground."
    ),
    "anchor_drag": N_(
        "Slow steaming in bad weather, towing, manoeuvring, survey or dredging work; strong "
        "wind or current also make course and heading differ."
    ),
    "fishing_in_zone": N_(
        "Transit at trawling speed, slow steaming, a pattern the model misreads (it is weak on "
        "real data), or a permitted gear or licence exception."
    ),
    "identity_conflict": N_(
        "A transponder programmed with a wrong or default MMSI (installation errors are "
        "common), settings copied between vessels of one owner, or a spoofed signal."
    ),
}

CHECKS = {
    "loitering": N_(
        "Measured: positions, times and reported speeds (AIS is self-reported). Inferred: that "
        "the vessel was stopped on purpose. Check the reported navigational status, the weather "
        "and whether the vessel talked to a port or agent."
    ),
    "ais_gap": N_(
        "Measured: the last report before and the first after the silence. Inferred: the "
        "straight path between them and the implied speed. Check reception coverage: if other "
        "ships were heard in the area, a receiver outage is unlikely."
    ),
    "encounter": N_(
        "Measured: both tracks, their distance and speeds. Inferred: that something was "
        "transferred. Check both vessels' types and owners, and imagery of the meeting."
    ),
    "anchor_drag": N_(
        "Measured: speed, distance, reported status, course and heading. Inferred: that an "
        "anchor was down. Check the cable operator's fault data and the state of the anchors."
    ),
    "fishing_in_zone": N_(
        "Measured: the track and the zone's boundary and validity. Inferred: that the "
        "movement was fishing (a model's estimate). Check VMS, logbooks and the gear on board."
    ),
    "identity_conflict": N_(
        "Measured: reports under one MMSI from two places at once, or an MMSI outside the ITU "
        "allocation. Inferred: that two transmitters are involved. Check the static reports "
        "(names, IMO numbers) sent under that MMSI."
    ),
}

EVIDENCE_LABELS = {
    "close_bins": N_("10-minute periods close together"),
    "crosses_cable": N_("Path crosses a cable"),
    "distance_km": N_("Distance (km)"),
    "gap_h": N_("Silence (h)"),
    "implied_speed_kn": N_("Implied speed across the silence (kn)"),
    "kind": N_("Kind"),
    "last_lat": N_("Last latitude before the silence"),
    "last_lon": N_("Last longitude before the silence"),
    "likely_intentional": N_("Likely intentional (long, far from shore)"),
    "max_speed_kn": N_("Maximum speed (kn)"),
    "mean_p_fishing": N_("Mean fishing probability"),
    "mean_speed_kn": N_("Mean speed (kn)"),
    "median_distance_m": N_("Median distance between the vessels (m)"),
    "median_speed_kn": N_("Median speed (kn)"),
    "mid": N_("MID (country digits of the MMSI)"),
    "model_version": N_("Model version"),
    "n_positions": N_("Positions"),
    "next_lat": N_("First latitude after the silence"),
    "next_lon": N_("First longitude after the silence"),
    "other_median_speed_kn": N_("Other vessel's median speed (kn)"),
    "positions": N_("Positions"),
    "positions_a": N_("Positions of transmitter A"),
    "positions_b": N_("Positions of transmitter B"),
    "reception_coverage": N_("Hours in which other ships were heard nearby"),
    "segment_a": N_("Track segment A"),
    "segment_b": N_("Track segment B"),
    "separation_km": N_("Distance between the transmitters (km)"),
    "share_course_heading_diverging": N_("Reports with course and heading 45\u2013135\u00b0 apart"),
    "share_of_fishing_run_in_zone": N_("Share of the fishing run inside the zone"),
    "share_reported_anchored": N_(
        "Reports with status \u201cat anchor\u201d or \u201cmoored\u201d"
    ),
    "share_reported_fishing": N_("Reports with status \u201cengaged in fishing\u201d"),
    "threshold_distance_km": N_("Threshold: distance (km)"),
    "threshold_drop_kn": N_("Threshold: drop below transit speed (kn)"),
    "threshold_duration_h": N_("Threshold: minimum duration (h)"),
    "threshold_gap_h": N_("Threshold: minimum silence (h)"),
    "threshold_overlap_h": N_("Threshold: minimum overlap (h)"),
    "threshold_mean_p_fishing": N_("Threshold: mean fishing probability of the run"),
    "threshold_p_fishing": N_("Threshold: fishing probability"),
    "threshold_speed_kn": N_("Threshold: speed (kn)"),
    "transit_speed_kn": N_("Transit speed (kn)"),
    "unusual_percentile": N_("More unusual than this share of the day's vessels"),
    "zone": N_("Zone"),
    "zone_kind": N_("Zone kind"),
}
SHARE_KEYS = {
    "mean_p_fishing",
    "reception_coverage",
    "share_course_heading_diverging",
    "share_of_fishing_run_in_zone",
    "share_reported_anchored",
    "share_reported_fishing",
    "threshold_mean_p_fishing",
    "threshold_p_fishing",
    "unusual_percentile",
}

NAV_STATUS = {
    0: N_("under way using engine"),
    1: N_("at anchor"),
    2: N_("not under command"),
    3: N_("restricted manoeuvrability"),
    4: N_("constrained by her draught"),
    5: N_("moored"),
    6: N_("aground"),
    7: N_("engaged in fishing"),
    8: N_("under way sailing"),
    11: N_("towing astern"),
    12: N_("pushing ahead or towing alongside"),
    14: N_("AIS-SART, MOB or EPIRB active"),
    15: N_("not defined"),
}


def legal_topics(event_type: str, near_cable: bool) -> list[str]:
    """The legal-note topics (keys of LEGAL) for an event, in reading order."""
    topics = ["where"]
    if event_type == "anchor_drag" or near_cable:
        topics.append("cable")
    topics += {
        "fishing_in_zone": ["fisheries"],
        "encounter": ["transfer"],
        "ais_gap": ["ais"],
        "identity_conflict": ["identity"],
        "loitering": ["stopping"],
    }.get(event_type, [])
    return [*topics, "flag", "hot_pursuit"]


def action_topics(event_type: str, near_cable: bool) -> list[str]:
    """The action topics (keys of ACTIONS) for an event."""
    topics = ["cable"] if event_type == "anchor_drag" or near_cable else []
    return [*topics, event_type]


ZONE_KINDS = {
    "cable_protection": N_("cable protection zone"),
    "contiguous_zone": N_("contiguous zone"),
    "eez": N_("exclusive economic zone"),
    "eez_joint_regime": N_("joint regime area"),
    "eez_overlapping_claim": N_("overlapping claim"),
    "internal_waters": N_("internal waters"),
    "fishing_closure": N_("fishing closure"),
    "mpa": N_("marine protected area"),
    "mpa_proposed": N_("proposed marine protected area"),
    "no_take": N_("no-take area"),
    "territorial_sea": N_("territorial sea"),
}

FOLLOW_UPS = {
    "loitering": N_(
        "Stopping matters when it happens over a cable, inside a closed zone, next to another "
        "vessel, or while AIS reports the vessel as under way: look at where, for how long, and "
        "what the vessel reported."
    ),
    "ais_gap": N_(
        "Compare the reception coverage (other ships heard nearby during the silence), the "
        "distance and implied speed between the two ends, and what lies on the straight path. "
        "A silence in well-covered water that hides a stretch of interest deserves more "
        "attention than one in a known blind spot."
    ),
    "encounter": N_(
        "Fish, fuel, stores, crew or cargo. Look for a transshipment authorisation, a bunkering "
        "licence, or the advance notice required for ship-to-ship oil transfers (MARPOL Annex "
        "I, chapter 8)."
    ),
    "anchor_drag": N_(
        "On board: a missing or damaged anchor, fresh marks on the chain, the deck log and the "
        "VDR data. On the seabed: a survey showing drag marks across the cable route. From the "
        "operator: the time and position of the fault, compared with the track."
    ),
    "fishing_in_zone": N_(
        "Movement alone is a weak signal: the bundled model is close to chance on real tracks. "
        "VMS positions, logbook and landing declarations, the gear on board or an inspection at "
        "sea confirm or refute it."
    ),
    "identity_conflict": N_(
        "Compare the static reports (names, IMO numbers, dimensions) and the tracks of each "
        "transmission with the register: the one that matches is probably genuine, and the "
        "other needs identifying."
    ),
}
