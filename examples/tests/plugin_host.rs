//! The plugin platform example runs: one plugin fetches from a native
//! service under its grant, the other is refused with PermissionError.

#[test]
fn plugin_host_runs_both_plugins_under_their_policies() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plugin_host")).output().expect("running plugin_host");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "plugin_host failed\n--- stdout\n{stdout}--- stderr\n{stderr}");
    assert!(stdout.contains("plugin-a (connect tcp://127.0.0.1:"), "{stdout}");
    assert!(stdout.contains(": ok price of apples is 42"), "{stdout}");
    assert!(stdout.contains("plugin-b (no grant): error PermissionError: [Errno 13]"), "{stdout}");
    assert!(stdout.contains("(default deny)"), "the denial names its rule: {stdout}");
}
