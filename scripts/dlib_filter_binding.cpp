// dlib's correlation tracker with the filter size and number of scale levels that dlib's own
// Python binding fixes (64x64, 32 levels). Built and used by scripts/dlib_filter_size.py.
#include <pybind11/pybind11.h>
#include <dlib/image_processing.h>
#include <dlib/python/numpy_image.h>

namespace py = pybind11;

class SizedTracker {
public:
    // Sizes as dlib's constructor takes them: powers of two, given by their exponents.
    SizedTracker(unsigned long filter_size_log2, unsigned long scale_levels_log2)
        : tracker_(filter_size_log2, scale_levels_log2) {}

    void start_track(const py::array& rgb, double left, double top, double right, double bottom) {
        tracker_.start_track(dlib::numpy_image<dlib::rgb_pixel>(rgb), dlib::drectangle(left, top, right, bottom));
    }

    double update(const py::array& rgb) { return tracker_.update(dlib::numpy_image<dlib::rgb_pixel>(rgb)); }

    py::tuple position() const {
        const dlib::drectangle box = tracker_.get_position();
        return py::make_tuple(box.left(), box.top(), box.right(), box.bottom());
    }

private:
    dlib::correlation_tracker tracker_;
};

PYBIND11_MODULE(dlib_sized_tracker, module) {
    py::class_<SizedTracker>(module, "SizedTracker")
        .def(py::init<unsigned long, unsigned long>())
        .def("start_track", &SizedTracker::start_track)
        .def("update", &SizedTracker::update)
        .def("position", &SizedTracker::position);
}
