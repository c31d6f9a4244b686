import FlightCore
import Foundation
import HAL
import SimHardware
import Testing

@testable import Assembly

/// The attitude filter in the vehicle: the simulated IMU (MPU-6050 over I2C) and star tracker
/// (Modbus) through their drivers, the filter in the 50 Hz group, measured against the
/// simulation's truth.
@Suite struct AttitudeDeterminationTests {
    static let arcsec = Double.pi / 180 / 3600

    @Test func theVehicleDeterminesItsAttitudeFromItsOwnSensors() throws {
        let harness = try ScheduleHarness(epoch: 1_800_000_000)
        let filter = try #require(harness.assembly.flight.attitude)
        #expect(harness.assembly.rateGroups.first { $0.group == "att" }?.members == ["sample-ingest", "attitude-filter"])
        harness.run(for: .seconds(300))
        let simulation = try #require(harness.assembly.simulation)
        let truth = simulation.physics.attitude.attitude
        let estimate = try #require(filter.filter.attitude)
        // The simulation's quaternion (Hamilton, body → inertial) has the filter's components
        // (Shuster, inertial → body): the same rotation matrix.
        let error = estimate.angle(to: AttitudeQuaternion(w: truth.w, x: truth.x, y: truth.y, z: truth.z)) / Self.arcsec
        #expect(error < 60, "attitude error \(error) arcsec against truth (tracker 5/5/40 arcsec)")
        let sigma = [harness.value("att.sigma3_x_arcsec"), harness.value("att.sigma3_y_arcsec"), harness.value("att.sigma3_z_arcsec")].compactMap { $0 }
        #expect(sigma.count == 3 && sigma[0] < 20 && sigma[1] < 20 && sigma[2] < 100, "3σ \(sigma) arcsec")
        #expect(harness.value("att.state") == 2 && harness.value("att.determined") == 1)
        #expect((harness.value("att.updates") ?? 0) > 250 && harness.value("att.resets") == 0)
        #expect((harness.value("att.rejections") ?? 99) <= 3, "the gate refuses about one valid measurement in a thousand")
        #expect(harness.events(AttitudeEvents.determined).count == 1)
    }
}
