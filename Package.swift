// swift-tools-version: 6.2
// iost-flight: onboard flight software for spacecraft testbeds.
//
// Three rooms (see README, "Architecture"):
//   HAL          contracts, value types and typed errors; no Glibc I/O
//   LinuxHAL     real backends: libi2c (i2c-dev), libgpiod (v1 and v2), libmodbus, CLOCK_MONOTONIC
//   SimHardware  register-level device models, simulated buses, physics, fault injection, SimClock
//   Systems      the systems toolkit below everything: named threads, latch, errno errors, EINTR
//                retry, CLOCK_MONOTONIC, whole-file read, JSON string quoting, edit distance; Glibc only
// Drivers import HAL only; FlightCore imports HAL, Drivers, SpaceLink, Systems and TOMLKit (and the
// standard library's Synchronization), never Glibc.
import PackageDescription

let package = Package(
    name: "iost-flight",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "iostd", targets: ["iostd"]),
        .executable(name: "iost-ground", targets: ["iost-ground"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries, found through pkg-config where the library ships a .pc file.
        .systemLibrary(name: "CGPIOD", path: "Sources/CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
        .systemLibrary(name: "CI2C", path: "Sources/CI2C", providers: [.apt(["libi2c-dev"])]),
        .systemLibrary(name: "CModbus", path: "Sources/CModbus", pkgConfig: "libmodbus", providers: [.apt(["libmodbus-dev"])]),
        // One version-neutral GPIO API compiled against libgpiod v1 or v2, whichever is installed.
        .target(name: "CGPIODCompat", dependencies: ["CGPIOD"], path: "Sources/CGPIODCompat"),
        // The software version stamped at link time (weak fallback "0.0.0+unknown"; see its header).
        .target(name: "CBuildInfo", path: "Sources/CBuildInfo"),

        .target(name: "HAL"),
        .target(name: "Systems"),
        // The onboard packet store: crash-safe segment log on the state directory's file system.
        .target(name: "PacketStore", dependencies: ["Systems"]),
        .target(name: "LinuxHAL", dependencies: ["HAL", "Systems", "CI2C", "CModbus", "CGPIODCompat"]),
        .target(name: "SimHardware", dependencies: ["HAL"]),
        .target(name: "Drivers", dependencies: ["HAL"]),
        // CCSDS space packets, TM/TC transfer frames, FARM-1, PUS-C: pure, no I/O.
        .target(name: "SpaceLink"),
        // CCSDS SDLS (355.0-B-2) on TC frames: security associations, AES-256-GCM, anti-replay.
        .target(name: "FrameSecurity", dependencies: ["SpaceLink", "Systems", .product(name: "Crypto", package: "swift-crypto")]),
        // The space link over UDP: paced downlink of TM frames, uplink of TC frames.
        .target(name: "Link", dependencies: ["HAL", "Systems", "SpaceLink", "FrameSecurity"]),
        // Daemon plumbing: sd_notify without libsystemd, signals, journald-friendly logging.
        .target(name: "Daemon", dependencies: ["HAL", "Systems", "FlightCore", .product(name: "Logging", package: "swift-log")]),
        .target(name: "FlightCore", dependencies: ["HAL", "CBuildInfo", "Drivers", "SpaceLink", "Systems", .product(name: "TOMLKit", package: "TOMLKit")]),
        // THE ASSEMBLY: the one place the vehicle is wired, for every entry point and run mode
        // (simulated time; real time on hardware; real time on simulated buses).
        .target(
            name: "Assembly", dependencies: ["HAL", "LinuxHAL", "SimHardware", "Drivers", "FlightCore", "SpaceLink", "Link", "Systems", "PacketStore", "FrameSecurity"]),
        // The whole vehicle on simulated hardware in simulated time: scenarios, timelines.
        .target(name: "Simulation", dependencies: ["HAL", "Drivers", "SimHardware", "FlightCore", "Assembly", "Systems", .product(name: "TOMLKit", package: "TOMLKit")]),
        .executableTarget(
            name: "iostd",
            dependencies: [
                "HAL", "LinuxHAL", "SimHardware", "Drivers", "FlightCore", "SpaceLink", "Link", "Daemon", "Assembly", "Simulation", "Systems",
                "FrameSecurity", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Child processes and peers (pymodbus, socat, Python decoders) shared by the test targets.
        .target(name: "PeerSupport", dependencies: ["HAL", "SpaceLink", "FrameSecurity", "Ground"], path: "Tests/PeerSupport"),
        // The operator's side: mission database, downlink decoding, status board model, TC building.
        .target(name: "Ground", dependencies: ["HAL", "SpaceLink", "Link", "Systems", "FrameSecurity"]),
        .executableTarget(
            name: "iost-ground",
            dependencies: ["Ground", "SpaceLink", "Link", "HAL", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "iost-bench", dependencies: ["HAL", "LinuxHAL", "SimHardware", "Drivers", "FlightCore", "SpaceLink", "Link", "Assembly", "Simulation", "Systems", "PacketStore"]),
        .testTarget(name: "GroundTests", dependencies: ["Ground", "SpaceLink", "Link", "HAL", "PeerSupport", "FrameSecurity"]),
        .testTarget(name: "HALTests", dependencies: ["HAL"]),
        .testTarget(name: "SystemsTests", dependencies: ["Systems"]),
        .testTarget(name: "PacketStoreTests", dependencies: ["PacketStore", "Systems"]),
        .testTarget(name: "DriversTests", dependencies: ["Drivers", "HAL", "SimHardware"]),
        .testTarget(name: "SimHardwareTests", dependencies: ["SimHardware", "HAL"]),
        .testTarget(name: "LinuxHALTests", dependencies: ["LinuxHAL", "HAL", "Systems", "Drivers", "SimHardware", "PeerSupport"]),
        .testTarget(name: "FlightCoreTests", dependencies: ["FlightCore", "Drivers", "HAL", "SimHardware", "Systems"]),
        .testTarget(name: "SpaceLinkTests", dependencies: ["SpaceLink"]),
        .testTarget(name: "LinkTests", dependencies: ["Link", "SpaceLink", "HAL"]),
        .testTarget(name: "FrameSecurityTests", dependencies: ["FrameSecurity", "Link", "SpaceLink", "Systems", "PeerSupport"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "HAL", "Systems", "FlightCore", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "SimulationTests", dependencies: ["Simulation", "Assembly", "FlightCore", "SimHardware", "HAL", "Drivers", "SpaceLink", "Link", "PacketStore", "FrameSecurity"]),
        .testTarget(name: "IostdTests", dependencies: ["HAL", "PeerSupport", "SpaceLink", "Link"]),
    ]
)
