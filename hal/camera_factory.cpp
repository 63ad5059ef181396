// SPDX-License-Identifier: MIT
// makeCamera(): picks the camera backend named in the spec at run time.
#include <new>

#include "hal/camera.h"
#include "hal/linux/camera_v4l2.h"
#include "hal/sim/camera_file.h"
#include "hal/sim/camera_pattern.h"

namespace snapstage::hal {

const char* cameraBackends() noexcept {
    return "pattern,file,v4l2";
}

Result<std::unique_ptr<Camera>> makeCamera(const DeviceSpec& spec) noexcept {
    std::unique_ptr<Camera> camera;
    if (spec.backend == "pattern")
        camera.reset(new (std::nothrow) PatternCamera(spec));
    else if (spec.backend == "file")
        camera.reset(new (std::nothrow) FileCamera(spec));
    else if (spec.backend == "v4l2")
        camera.reset(new (std::nothrow) V4l2Camera(spec));
    else
        return failf(Errc::NotSupported, 0,
                     "camera backend '%s' is not known to this build "
                     "(available: %s)",
                     spec.backend.c_str(), cameraBackends());
    if (!camera) return fail(Errc::NoMemory, "cannot allocate the camera");
    return camera;
}

}  // namespace snapstage::hal
