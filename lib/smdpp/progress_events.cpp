// ES2+ progress events raised by ES9+ functions (SGP.22 §5.3.5); the store queues them with the state change.
#include "service_impl.h"

#include "openrsp/smdpp/progress.h"

namespace openrsp::smdpp {

store::progress_event service::impl::progress_event(std::string_view iccid, std::int64_t point,
                                                    std::string_view occasion) const
{
    store::progress_event e;
    e.id = progress_event_id(iccid, point, occasion);
    e.notification_point_id = point;
    e.time = now();
    return e;
}

void service::impl::progress_failed(store::progress_event& e, std::string subject, std::string reason,
                                    std::string message)
{
    e.success = false;
    e.subject_code = std::move(subject);
    e.reason_code = std::move(reason);
    e.message = std::move(message);
}

} // namespace openrsp::smdpp
