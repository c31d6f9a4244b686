import Foundation
@testable import Ground

/// A HAND-WRITTEN fixture mission database, not the vehicle's: a small document that follows
/// the schema `iost-mission-database` version 1 exactly as FlightCore's MissionDatabase.swift
/// writes it (member names, nesting, types as strings plus tags, `p_field` 30 = 0x1E).
/// IDs are the fixture's own, except the function and failure-code tables, which copy the
/// flight side's catalogue. Function 0x42 exists only to reproduce the TC[8,1] vector of
/// /work/shared/notes/pus-vectors.md.
let fixtureMIBText = """
    {
      "schema": "iost-mission-database",
      "schema_version": 1,
      "vehicle": "fixture-vehicle",
      "apid": 291,
      "spacecraft_id": 42,
      "pus_version": 2,
      "destination_id": 0,
      "time": {
        "code": "CUC",
        "coarse_octets": 4,
        "fine_octets": 2,
        "p_field": 30,
        "epoch": "1958-01-01T00:00:00 TAI",
        "utc_tai_offset_s": 37
      },
      "limits": {
        "items_per_request": 16,
        "parameters_per_structure": 32,
        "hk_period_ms": 1000,
        "hk_max_interval_ms": 3600000
      },
      "types": [
        {"tag": 1, "name": "u8", "octets": 1}, {"tag": 2, "name": "u16", "octets": 2}, {"tag": 3, "name": "u32", "octets": 4},
        {"tag": 4, "name": "i16", "octets": 2}, {"tag": 5, "name": "i32", "octets": 4}, {"tag": 6, "name": "f32", "octets": 4},
        {"tag": 7, "name": "f64", "octets": 8}, {"tag": 8, "name": "bool", "octets": 1}
      ],
      "modes": [
        {"value": 0, "name": "BOOT"}, {"value": 1, "name": "NOMINAL"}, {"value": 2, "name": "DEGRADED"},
        {"value": 3, "name": "SAFE"}, {"value": 4, "name": "EMERGENCY"}
      ],
      "failure_codes": [
        {"code": 1, "name": "bad_crc"}, {"code": 2, "name": "bad_apid"}, {"code": 3, "name": "bad_length"},
        {"code": 4, "name": "unknown_message_type"}, {"code": 5, "name": "bad_argument"}, {"code": 6, "name": "queue_full"},
        {"code": 7, "name": "execution_failed"}, {"code": 8, "name": "not_allowed_in_mode"}, {"code": 9, "name": "bad_header"},
        {"code": 10, "name": "timeout"}, {"code": 11, "name": "busy"}
      ],
      "parameters": [
        {"id": 1, "name": "fdir.mode", "unit": "", "type": "u8", "tag": 1, "tunable": false, "range": null},
        {"id": 256, "name": "ls.ppo2_kpa", "unit": "kPa", "type": "f64", "tag": 7, "tunable": false, "range": null},
        {"id": 257, "name": "ls.o2_fraction_pct", "unit": "%", "type": "f32", "tag": 6, "tunable": false, "range": null},
        {"id": 258, "name": "dev.cabin-co2.co2_ppm", "unit": "ppm", "type": "f32", "tag": 6, "tunable": false, "range": null},
        {"id": 259, "name": "ls.scrubber_stage", "unit": "", "type": "u8", "tag": 1, "tunable": false, "range": null},
        {"id": 260, "name": "ls.o2_valve_cmd", "unit": "", "type": "bool", "tag": 8, "tunable": false, "range": null},
        {"id": 512, "name": "power.battery_soc_pct", "unit": "%", "type": "f32", "tag": 6, "tunable": false, "range": null},
        {"id": 513, "name": "power.eclipse", "unit": "", "type": "bool", "tag": 8, "tunable": false, "range": null},
        {"id": 514, "name": "power.battery_current_a", "unit": "A", "type": "f32", "tag": 6, "tunable": false, "range": null},
        {"id": 768, "name": "exec.att.latency_p99_us", "unit": "us", "type": "u32", "tag": 3, "tunable": false, "range": null},
        {"id": 769, "name": "exec.lsp.latency_p99_us", "unit": "us", "type": "u32", "tag": 3, "tunable": false, "range": null},
        {"id": 770, "name": "exec.att.slips", "unit": "", "type": "u32", "tag": 3, "tunable": false, "range": null},
        {"id": 771, "name": "exec.lsp.slips", "unit": "", "type": "u16", "tag": 2, "tunable": false, "range": null},
        {"id": 772, "name": "exec.healthy", "unit": "", "type": "bool", "tag": 8, "tunable": false, "range": null},
        {"id": 1024, "name": "ls.ppo2_low_kpa", "unit": "kPa", "type": "f64", "tag": 7, "tunable": true, "range": [15, 25]},
        {"id": 1025, "name": "ls.co2_alarm_ppm", "unit": "ppm", "type": "u16", "tag": 2, "tunable": true, "range": [1000, 10000]},
        {"id": 1026, "name": "att.trim_offset", "unit": "", "type": "i16", "tag": 4, "tunable": true, "range": [-500, 500]}
      ],
      "housekeeping": [
        {"id": 1, "name": "life_support", "interval_ms": 2000, "enabled": true, "parameters": [1, 256, 257, 258, 259, 260]},
        {"id": 2, "name": "power", "interval_ms": 5000, "enabled": true, "parameters": [1, 512, 513, 514]},
        {"id": 5, "name": "executive", "interval_ms": 10000, "enabled": false, "parameters": [1, 768, 769, 770, 771, 772]}
      ],
      "events": [
        {"id": 257, "name": "eclipse_entry", "severity": "info", "subtype": 1, "arguments": [], "summary": "The array power fell below the eclipse threshold."},
        {"id": 769, "name": "co2_alarm", "severity": "high", "subtype": 4, "arguments": ["co2 ppm", "limit ppm"], "summary": "Cabin CO2 above the alarm limit."},
        {"id": 1283, "name": "mode_safe", "severity": "medium", "subtype": 3, "arguments": ["from mode", "to mode", "reason"], "summary": "The vehicle entered SAFE."}
      ],
      "functions": [
        {
          "id": 1,
          "name": "set_mode",
          "summary": "Commands a vehicle mode transition through the mode machine's table.",
          "arguments": [
            {"id": 1, "name": "mode", "type": "integer", "required": true, "summary": "0 BOOT, 1 NOMINAL, 2 DEGRADED, 3 SAFE, 4 EMERGENCY"}
          ]
        },
        {
          "id": 3,
          "name": "load_switch",
          "summary": "Switches a load switch channel, or releases it.",
          "arguments": [
            {"id": 1, "name": "channel", "type": "integer", "required": true, "summary": "actuator channel index of a load switch"},
            {"id": 2, "name": "state", "type": "bool", "required": false, "summary": "on (true) or off (false); absent releases the request"}
          ]
        },
        {
          "id": 4,
          "name": "device_reset",
          "summary": "Asks for a sampled device to be restarted.",
          "arguments": [
            {"id": 1, "name": "device", "type": "integer", "required": true, "summary": "device index of a sampled device"}
          ]
        },
        {"id": 7, "name": "release_safing_latches", "summary": "Releases every event-action safing latch.", "arguments": []},
        {"id": 66, "name": "vector_function", "summary": "Fixture only: the TC[8,1] test vector's function ID 0x0042.", "arguments": []}
      ],
      "channels": [
        {"index": 0, "name": "o2-valve", "device": "o2-valve", "role": "o2_valve", "load_switch": false},
        {"index": 1, "name": "payload-switch", "device": "payload-switch", "role": "load_switch", "load_switch": true},
        {"index": 2, "name": "scrubber-fan-stage1", "device": "scrubber-fan", "role": null, "load_switch": false}
      ],
      "devices": [
        {"index": 0, "name": "cabin-env", "driver": "bme280", "resettable": true},
        {"index": 1, "name": "o2-valve", "driver": "gpio-valve", "resettable": false}
      ],
      "monitors": [
        {"index": 0, "name": "ppo2", "parameter": "ls.ppo2_kpa"}
      ],
      "event_actions": [
        {"index": 0, "trigger": "event co2_alarm", "action": "scrubber_max", "enabled": true}
      ],
      "stores": [{"id": 1, "name": "hk"}, {"id": 2, "name": "events"}]
    }
    """

/// The fixture, parsed (a parse failure fails the test that uses it).
func fixtureMIB() throws -> MissionInformationBase {
    try MissionInformationBase(json: Data(fixtureMIBText.utf8))
}

/// Octets from a hex string (test vectors).
func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
        index = next
    }
    return bytes
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
